"""Integral-baseline augmentation: colour scaling, VOC cut-out occlusion."""
import os.path as osp

import cv2
import numpy as np
import pytest
from PIL import Image

from mmposenas.datasets.transforms import (RandomChannelColorScale,
                                           RandomSyntheticOcclusion)
from conftest import REPO


def _image(h=64, w=48, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)


def test_colour_scale_within_bounds_and_per_channel():
    np.random.seed(0)
    t = RandomChannelColorScale(scale_range=(0.8, 1.2))
    img = np.full((8, 8, 3), 100, np.uint8)
    img[0, 0] = 250  # clipped when scaled up
    labels = np.random.rand(1, 18, 3)
    scales = []
    for _ in range(200):
        out = t(dict(img=img.copy(), keypoint_labels=labels.copy()))
        s = out['color_scale']
        scales.append(s)
        assert np.all((s >= 0.8) & (s <= 1.2))
        np.testing.assert_array_equal(out['img'][1, 1],
                                      np.rint(100 * s).astype(np.uint8))
        np.testing.assert_array_equal(
            out['img'][0, 0], np.minimum(np.rint(250 * s), 255))
        np.testing.assert_array_equal(out['keypoint_labels'], labels)
    scales = np.array(scales)
    assert scales.min() < 0.82 and scales.max() > 1.18  # spans the range
    # the three channels get different factors
    assert np.abs(scales[:, 0] - scales[:, 1]).mean() > 0.05
    with pytest.raises(ValueError, match='scale_range'):
        RandomChannelColorScale(scale_range=(1.2, 0.8))


def _write_occluders(folder):
    """A 20x10 red box with a transparent left half, and a green disk."""
    box = np.zeros((10, 20, 4), np.uint8)
    box[..., 2] = 255  # red in BGR
    box[:, 10:, 3] = 255
    disk = np.zeros((21, 21, 4), np.uint8)
    cv2.circle(disk, (10, 10), 10, (0, 255, 0, 255), -1)
    cv2.imwrite(osp.join(folder, 'a_box.png'), box)
    cv2.imwrite(osp.join(folder, 'b_disk.png'), disk)


def test_cutout_occlusion_changes_only_masked_pixels(tmp_path):
    _write_occluders(str(tmp_path))
    t = RandomSyntheticOcclusion(
        prob=1., min_occluders=1, max_occluders=8,
        occluder_dir=str(tmp_path), scale_range=(0.2, 1.0),
        reference_size=64)
    single = RandomSyntheticOcclusion(
        prob=1., max_occluders=1, occluder_dir=str(tmp_path),
        scale_range=(0.5, 1.0), reference_size=64)
    np.random.seed(1)
    counts = []
    for seed in range(20):
        img = _image(seed=seed)
        labels = np.random.rand(1, 18, 3).astype(np.float32)
        out = t(dict(img=img.copy(), keypoint_labels=labels.copy(),
                     keypoints=labels.copy()))
        mask = out['occlusion_mask']
        changed = (out['img'] != img).any(-1)
        assert mask.any()
        assert not changed[~mask].any()  # nothing outside the cut-outs
        np.testing.assert_array_equal(out['keypoint_labels'], labels)
        np.testing.assert_array_equal(out['keypoints'], labels)
        counts.append(mask.mean())
        # one cut-out: the occluder colour, alpha-blended with the image at
        # the (resized) cut-out edges, so between the two per channel
        out = single(dict(img=img.copy()))
        mask = out['occlusion_mask']
        assert not (out['img'] != img).any(-1)[~mask].any()
        inside, orig = out['img'][mask].astype(int), img[mask].astype(int)
        between = np.zeros(len(inside), bool)
        exact = np.zeros(len(inside), bool)
        for colour in ([0, 0, 255], [0, 255, 0]):
            colour = np.array(colour)
            lo, hi = np.minimum(orig, colour), np.maximum(orig, colour)
            between |= ((inside >= lo - 1) & (inside <= hi + 1)).all(-1)
            exact |= (inside == colour).all(-1)
        assert between.all()
        assert exact.mean() > 0.5
    assert 0.01 < np.mean(counts) < 0.9


@pytest.mark.parametrize('scale, size', [(1.0, (20, 40)), (0.5, (10, 20))])
def test_cutout_size_follows_scale_and_crop_size(tmp_path, scale, size):
    box = np.full((10, 20, 4), 255, np.uint8)  # opaque white 10x20
    cv2.imwrite(str(tmp_path / 'box.png'), box)
    # a 200 px crop with reference_size 100 doubles the cut-out at scale 1
    t = RandomSyntheticOcclusion(
        prob=1., max_occluders=1, occluder_dir=str(tmp_path),
        scale_range=(scale, scale), reference_size=100)
    np.random.seed(3)
    img = np.zeros((200, 200, 3), np.uint8)
    inside_seen = 0
    for _ in range(20):
        mask = t(dict(img=img.copy()))['occlusion_mask']
        ys, xs = np.nonzero(mask)
        if ys.min() > 0 and xs.min() > 0 and ys.max() < 199 and \
                xs.max() < 199:  # not cut at a border
            assert (np.ptp(ys) + 1, np.ptp(xs) + 1) == size
            assert mask.sum() == size[0] * size[1]
            inside_seen += 1
        else:
            assert mask.sum() < size[0] * size[1]
    assert inside_seen >= 10


def test_polygon_texture_occlusion_and_probability():
    t = RandomSyntheticOcclusion(prob=0.75, min_occluders=1,
                                 max_occluders=8, shapes=('polygon', ),
                                 fill='texture', area_range=(0.02, 0.1))
    np.random.seed(0)
    occluded = 0
    for seed in range(200):
        img = _image(seed=seed)
        out = t(dict(img=img.copy()))
        changed = (out['img'] != img).any(-1)
        assert not changed[~out['occlusion_mask']].any()
        occluded += out['occlusion_mask'].any()
    assert abs(occluded / 200 - 0.75) < 0.08


def test_bad_occluder_folder_fails_clearly(tmp_path):
    with pytest.raises(FileNotFoundError, match='occluder_dir'):
        RandomSyntheticOcclusion(occluder_dir=str(tmp_path / 'missing'))
    with pytest.raises(ValueError, match='no .png'):
        RandomSyntheticOcclusion(occluder_dir=str(tmp_path))
    cv2.imwrite(str(tmp_path / 'rgb.png'), np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(ValueError, match='RGBA'):
        RandomSyntheticOcclusion(occluder_dir=str(tmp_path))


def _palette_png(path, indices):
    im = Image.fromarray(indices.astype(np.uint8), mode='P')
    im.putpalette([v for i in range(256) for v in (i, 255 - i, i // 2)])
    im.save(path)


def _fake_voc(root):
    """One image: a dog (kept), a person (skipped), a tiny cat (too small),
    a truncated car (skipped), with the VOC void border (255)."""
    for sub in ('JPEGImages', 'SegmentationObject', 'SegmentationClass',
                'Annotations', 'ImageSets/Segmentation'):
        (root / sub).mkdir(parents=True)
    img = np.zeros((60, 80, 3), np.uint8)
    img[..., 0] = np.arange(80)[None] * 3
    cv2.imwrite(str(root / 'JPEGImages' / '2007_000001.jpg'), img,
                [cv2.IMWRITE_JPEG_QUALITY, 100])
    obj = np.zeros((60, 80), np.uint8)
    cls = np.zeros((60, 80), np.uint8)
    obj[5:25, 5:35], cls[5:25, 5:35] = 1, 12  # dog 20x30
    obj[30:55, 5:30], cls[30:55, 5:30] = 2, 15  # person
    obj[40:43, 50:53], cls[40:43, 50:53] = 3, 8  # cat, 9 px
    obj[5:30, 45:75], cls[5:30, 45:75] = 4, 7  # car, truncated
    obj[4, 5:35] = cls[4, 5:35] = 255  # void border
    _palette_png(root / 'SegmentationObject' / '2007_000001.png', obj)
    _palette_png(root / 'SegmentationClass' / '2007_000001.png', cls)
    objects = ''.join(
        f'<object><name>{n}</name><truncated>{t}</truncated>'
        '<difficult>0</difficult></object>'
        for n, t in (('dog', 0), ('person', 0), ('cat', 0), ('car', 1)))
    (root / 'Annotations' / '2007_000001.xml').write_text(
        f'<annotation>{objects}</annotation>')
    (root / 'ImageSets/Segmentation/trainval.txt').write_text(
        '2007_000001\n')
    return img


def test_voc_occluder_extraction_on_a_fake_voc_tree(tmp_path):
    import runpy
    tool = runpy.run_path(
        osp.join(REPO, 'tools/dataset_converters/extract_voc_occluders.py'))
    img = _fake_voc(tmp_path / 'VOC2012')
    out = tmp_path / 'occluders'
    written = tool['extract'](str(tmp_path / 'VOC2012'), str(out),
                              min_area=50)
    assert [osp.basename(p) for p in written] == ['2007_000001_01_dog.png']
    occ = cv2.imread(written[0], cv2.IMREAD_UNCHANGED)
    assert occ.shape == (20, 30, 4)
    assert (occ[..., 3] == 255).all()
    np.testing.assert_allclose(occ[..., :3].astype(int),
                               img[5:25, 5:35].astype(int), atol=3)
    # the folder feeds the occlusion transform
    t = RandomSyntheticOcclusion(prob=1., occluder_dir=str(out))
    assert len(t._occluders) == 1
    # without the XML the truncated car is kept
    (tmp_path / 'VOC2012/Annotations/2007_000001.xml').unlink()
    written = tool['extract'](str(tmp_path / 'VOC2012'),
                              str(tmp_path / 'o2'), min_area=50)
    assert sorted(osp.basename(p) for p in written) == [
        '2007_000001_01_dog.png', '2007_000001_04_car.png']
    with pytest.raises(FileNotFoundError, match='JPEGImages'):
        (tmp_path / 'VOC2012/JPEGImages/2007_000001.jpg').unlink()
        tool['extract'](str(tmp_path / 'VOC2012'), str(tmp_path / 'o3'))
