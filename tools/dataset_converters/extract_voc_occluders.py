"""Cut object occluders out of Pascal VOC for RandomSyntheticOcclusion.

Reads the usual VOC layout (``<voc_root>`` is e.g. ``VOCdevkit/VOC2012``)::

    JPEGImages/<id>.jpg
    SegmentationObject/<id>.png   palette PNG: instance index per pixel
                                  (0 background, 255 void border)
    SegmentationClass/<id>.png    palette PNG: class index per pixel (1..20)
    ImageSets/Segmentation/<split>.txt   (optional) image ids
    Annotations/<id>.xml          (optional) per-object truncated/difficult

and writes one RGBA ``.png`` per object instance (cropped to its box, alpha =
the instance mask) into ``--out``, skipping people (occluders must not look
like a second person), objects smaller than ``--min-area`` pixels and, when
the XML annotation is there, truncated or difficult objects (as Sarandi et
al. do). Every file is written atomically.

Example::

    python tools/dataset_converters/extract_voc_occluders.py \
        data/VOCdevkit/VOC2012 --out data/voc_occluders
"""
import argparse
import os
import os.path as osp
import sys
import tempfile
import xml.etree.ElementTree as ET
from typing import Dict, List, Optional

import cv2
import numpy as np
from PIL import Image

#: Pascal VOC class names by class index (SegmentationClass values 1..20).
VOC_CLASSES = ('background', 'aeroplane', 'bicycle', 'bird', 'boat',
               'bottle', 'bus', 'car', 'cat', 'chair', 'cow', 'diningtable',
               'dog', 'horse', 'motorbike', 'person', 'pottedplant', 'sheep',
               'sofa', 'train', 'tvmonitor')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('voc_root', help='VOC year folder (VOC2012)')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--split', default='trainval',
                        help='ImageSets/Segmentation/<split>.txt to read; '
                        'all SegmentationObject PNGs when it is missing')
    parser.add_argument('--min-area', type=int, default=500,
                        help='skip objects with fewer mask pixels')
    parser.add_argument('--exclude', nargs='*', default=['person'],
                        help='class names to skip')
    return parser.parse_args(argv)


def read_index_png(path: str) -> np.ndarray:
    """Palette indices ``(H, W)`` of a VOC segmentation PNG."""
    with Image.open(path) as im:
        if im.mode not in ('P', 'L'):
            raise ValueError(f'{path}: expected a palette (P) or grey (L) '
                             f'PNG of label indices, got mode {im.mode!r}')
        return np.array(im)


def object_flags(xml_path: str) -> Optional[List[Dict[str, bool]]]:
    """``truncated`` / ``difficult`` per object in XML order, or ``None``."""
    if not osp.exists(xml_path):
        return None
    try:
        root = ET.parse(xml_path).getroot()
    except ET.ParseError as e:
        raise ValueError(f'{xml_path}: not a VOC annotation ({e})') from e
    flags = []
    for obj in root.findall('object'):
        flags.append({
            key: (obj.findtext(key) or '0').strip() == '1'
            for key in ('truncated', 'difficult')
        })
    return flags


def image_ids(voc_root: str, split: str) -> List[str]:
    list_file = osp.join(voc_root, 'ImageSets', 'Segmentation', f'{split}.txt')
    if osp.exists(list_file):
        with open(list_file, encoding='utf-8') as f:
            return [line.strip() for line in f if line.strip()]
    folder = osp.join(voc_root, 'SegmentationObject')
    if not osp.isdir(folder):
        raise FileNotFoundError(
            f'{folder} is missing: expected the Pascal VOC layout '
            '(JPEGImages/, SegmentationObject/, SegmentationClass/)')
    return sorted(osp.splitext(n)[0] for n in os.listdir(folder)
                  if n.endswith('.png'))


def write_png_atomic(path: str, img: np.ndarray) -> None:
    ok, buf = cv2.imencode('.png', img)
    if not ok:
        raise RuntimeError(f'could not encode {path}')
    fd, tmp = tempfile.mkstemp(prefix='.occ.', suffix='.tmp',
                               dir=osp.dirname(path))
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(buf.tobytes())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.unlink(tmp)
        raise


def extract(voc_root: str, out: str, split: str = 'trainval',
            min_area: int = 500,
            exclude: tuple = ('person', )) -> List[str]:
    """Write the occluder PNGs; returns their paths."""
    bad = [c for c in exclude if c not in VOC_CLASSES]
    if bad:
        raise ValueError(f'--exclude: unknown VOC classes {bad}; known: '
                         f'{VOC_CLASSES[1:]}')
    excluded = {VOC_CLASSES.index(c) for c in exclude}
    os.makedirs(out, exist_ok=True)
    written = []
    for img_id in image_ids(voc_root, split):
        paths = {
            'image': osp.join(voc_root, 'JPEGImages', f'{img_id}.jpg'),
            'object': osp.join(voc_root, 'SegmentationObject',
                               f'{img_id}.png'),
            'class': osp.join(voc_root, 'SegmentationClass', f'{img_id}.png'),
        }
        for key, path in paths.items():
            if not osp.exists(path):
                raise FileNotFoundError(f'{path} is missing (image {img_id} '
                                        f'of the {split!r} list, {key})')
        image = cv2.imread(paths['image'], cv2.IMREAD_COLOR)
        if image is None:
            raise ValueError(f'{paths["image"]}: cannot read the image')
        objects = read_index_png(paths['object'])
        classes = read_index_png(paths['class'])
        if objects.shape != classes.shape or objects.shape != image.shape[:2]:
            raise ValueError(
                f'{img_id}: image {image.shape[:2]}, SegmentationObject '
                f'{objects.shape} and SegmentationClass {classes.shape} '
                'differ in size')
        flags = object_flags(
            osp.join(voc_root, 'Annotations', f'{img_id}.xml'))
        for inst in np.unique(objects):
            if inst in (0, 255):
                continue
            mask = objects == inst
            if mask.sum() < min_area:
                continue
            cls = np.bincount(classes[mask].ravel(), minlength=256)
            cls[[0, 255]] = 0
            cls_id = int(cls.argmax())
            if cls_id in excluded or not 0 < cls_id < len(VOC_CLASSES):
                continue
            if flags is not None and inst - 1 < len(flags) and (
                    flags[inst - 1]['truncated']
                    or flags[inst - 1]['difficult']):
                continue
            ys, xs = np.nonzero(mask)
            y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
            rgba = np.concatenate(
                [image[y0:y1, x0:x1],
                 (mask[y0:y1, x0:x1, None] * 255).astype(np.uint8)], axis=-1)
            path = osp.join(out,
                            f'{img_id}_{inst:02d}_{VOC_CLASSES[cls_id]}.png')
            write_png_atomic(path, rgba)
            written.append(path)
    return written


def main(argv=None) -> None:
    args = parse_args(argv)
    written = extract(args.voc_root, args.out, args.split, args.min_area,
                      tuple(args.exclude))
    print(f'wrote {len(written)} occluders to {args.out}', file=sys.stderr)


if __name__ == '__main__':
    main()
