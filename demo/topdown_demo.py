"""Top-down pose demo for mmposenas models (2D heatmaps or volumetric 3D).

Input: an image, a folder of images, a video file or a webcam index. Each
frame is (optionally) run through an MMDetection person detector; every box
is then cropped and passed to the pose model (supernet or derived fixed
network, any config). Without a detector the whole frame is one box.

Drawings use MMPose's visualisers: ``PoseLocalVisualizer`` for 2D models;
for 3D models (``VolumetricIntegralHead``: ``keypoints`` ``(N, K, 3)`` =
``u, v`` in image pixels + root-relative depth in mm) ``Pose3dLocalVisualizer``
draws the 2D skeleton on the image and, next to it, the 3D skeleton.

3D models predict only the depth relative to the root; to draw and save
metric joints the demo back-projects ``u, v`` with a pinhole camera
(``--focal`` in pixels, default ``max(H, W)``; principal point at the image
centre) and a root depth (``--root-depth`` in mm; default per box
``sqrt(fx · fy · A / (w · h))`` with ``A`` = 2000 × 2000 mm², the usual
human-area prior of RootNet). The saved ``keypoints_3d`` are root-relative
camera coordinates in mm (x right, y down, z forward); the drawing converts
them to plot axes (x, depth, height up), still root-relative mm, in a
2 m box; with several people the 3D panel shows the first one.

``--save-predictions`` writes MMPose's prediction format
(``{"meta_info": dataset_meta, "instance_info": ...}``, instances from
``mmpose.structures.split_instances``) to
``<out-dir>/results_<input name>.json``.

Example::

    python demo/topdown_demo.py CONFIG CHECKPOINT --input data/samples/coco/images \
        --out-dir work_dirs/vis --save-predictions
"""
import argparse
import json
import os
import os.path as osp
from typing import Iterator, List, Optional, Sequence, Tuple

import cv2
import mmcv
import numpy as np
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from mmengine.structures import InstanceData
from mmengine.utils import ProgressBar

import mmposenas  # noqa: F401
from mmpose.apis import inference_topdown, init_model
from mmpose.evaluation.functional import nms
from mmpose.registry import VISUALIZERS
from mmpose.structures import PoseDataSample, merge_data_samples, \
    split_instances
from mmposenas.evaluation.root_relative_mpjpe import image_to_camera
from mmposenas.utils.io import atomic_write_text
from mmposenas.visualization import patch_agg_tostring_rgb

IMAGE_EXTS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp')
VIDEO_EXTS = ('.mp4', '.avi', '.mov', '.mkv', '.webm')
# Transforms of a test pipeline that need annotations; dropped at inference.
LABEL_TRANSFORMS = ('GenerateTarget', 'AppendRootRelativeDepth')
HUMAN_AREA_MM2 = 2000.0 * 2000.0
AXIS_LIMIT_MM = 2000.0  # side of the 3D plot's box
_COUNTER = [0]


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='pose config (2D or 3D)')
    parser.add_argument('checkpoint', help='pose checkpoint')
    parser.add_argument('--input', required=True,
                        help='image, folder of images, video or webcam index')
    parser.add_argument('--det-config', help='MMDetection config')
    parser.add_argument('--det-checkpoint', help='MMDetection checkpoint')
    parser.add_argument('--det-cat-id', type=int, default=0,
                        help='category id of persons in the detector')
    parser.add_argument('--bbox-thr', type=float, default=0.3,
                        help='detection score threshold')
    parser.add_argument('--nms-thr', type=float, default=0.3,
                        help='IoU threshold of box NMS')
    parser.add_argument('--kpt-thr', type=float, default=0.3,
                        help='keypoint score threshold for drawing')
    parser.add_argument('--out-dir', help='folder for drawings (and JSON)')
    parser.add_argument('--show', action='store_true',
                        help='show the drawings in a window')
    parser.add_argument('--wait-time', type=float, default=0.001,
                        help='seconds each shown frame stays')
    parser.add_argument('--save-predictions', action='store_true',
                        help='write results_<input>.json into --out-dir')
    parser.add_argument('--draw-bbox', action='store_true',
                        help='draw the person boxes')
    parser.add_argument('--vis-height', type=int, default=400,
                        help='drawings of smaller frames are upscaled to this '
                        'height')
    parser.add_argument('--focal', type=float, nargs='+',
                        help='3D: focal length fx [fy] in pixels (default '
                        'max(H, W))')
    parser.add_argument('--root-depth', type=float,
                        help='3D: root depth in mm (default from the box '
                        'area)')
    parser.add_argument('--root-index', type=int, default=0,
                        help='3D: index of the root joint')
    parser.add_argument('--device', default='cpu', help='e.g. cpu, cuda:0')
    parser.add_argument('--cfg-options', nargs='+', default=None,
                        help='pose config overrides key=value (e.g. '
                        'model.backbone.genotype=PATH)')
    args = parser.parse_args(argv)
    if (args.det_config is None) != (args.det_checkpoint is None):
        parser.error('--det-config and --det-checkpoint go together')
    if args.save_predictions and not args.out_dir:
        parser.error('--save-predictions needs --out-dir')
    if args.focal is not None and len(args.focal) not in (1, 2):
        parser.error('--focal takes fx or fx fy')
    return args


def _cfg_options(pairs: Optional[Sequence[str]]) -> Optional[dict]:
    if not pairs:
        return None
    from mmengine.config import DictAction
    ns = argparse.Namespace()
    DictAction(option_strings=[], dest='opts')(None, ns, list(pairs))
    return ns.opts


# ------------------------------------------------------------------ models
def build_pose_model(config: str, checkpoint: str, device: str = 'cpu',
                     cfg_options: Optional[dict] = None):
    """MMPose ``init_model`` with an inference-only test pipeline.

    Transforms that need annotations (:data:`LABEL_TRANSFORMS`, e.g. the
    target encoding of 3D configs) are removed from
    ``cfg.test_dataloader.dataset.pipeline``, which ``inference_topdown``
    composes.
    """
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'pose checkpoint {checkpoint!r} not found')
    model = init_model(config, None, device=device, cfg_options=cfg_options)
    # strict: MMPose's init_model only warns about missing or differently
    # shaped weights and would draw the predictions of a half-random network
    try:
        ckpt = load_checkpoint(model, checkpoint, map_location='cpu',
                               strict=True, logger='silent')
    except RuntimeError as err:
        raise ValueError(
            f'pose checkpoint {checkpoint!r} does not fit the model of config '
            f'{config!r} (a fixed network needs the genotype it was trained '
            f'with, e.g. --cfg-options model.backbone.genotype=...):\n'
            f'{err}') from None
    if 'dataset_meta' in ckpt.get('meta', {}):  # as init_model does
        model.dataset_meta = ckpt['meta']['dataset_meta']
    pipeline = model.cfg.test_dataloader.dataset.pipeline
    model.cfg.test_dataloader.dataset.pipeline = [
        t for t in pipeline if t['type'] not in LABEL_TRANSFORMS
    ]
    return model


def build_detector(config: str, checkpoint: str, device: str = 'cpu'):
    """An MMDetection detector (``mmdet.apis.init_detector``)."""
    from mmdet.apis import init_detector
    detector = init_detector(config, checkpoint, device=device)
    init_default_scope('mmpose')  # init_detector switches to mmdet's scope
    return detector


def detect_persons(detector, frame: np.ndarray, cat_id: int,
                   bbox_thr: float, nms_thr: float) -> np.ndarray:
    """Person boxes ``(N, 4)`` xyxy of one BGR frame (score, class, NMS)."""
    from mmdet.apis import inference_detector
    init_default_scope('mmdet')
    try:
        result = inference_detector(detector, frame)
    finally:
        init_default_scope('mmpose')
    pred = result.pred_instances.cpu().numpy()
    keep = (pred.labels == cat_id) & (pred.scores > bbox_thr)
    boxes = np.concatenate([pred.bboxes, pred.scores[:, None]], axis=1)[keep]
    if len(boxes) == 0:
        return np.zeros((0, 4), np.float32)
    return boxes[nms(boxes, nms_thr), :4]


def estimate(model, frame: np.ndarray,
             bboxes: Optional[np.ndarray]) -> Optional[PoseDataSample]:
    """Top-down pose of every box (``None``: the whole frame is one box).

    Returns:
        PoseDataSample: ``pred_instances.keypoints`` (N, K, 2|3) in frame
        pixels (3D: plus the root-relative depth in mm), or ``None`` when a
        detector found no person.
    """
    if bboxes is not None and len(bboxes) == 0:
        return None
    results = inference_topdown(model, frame, bboxes)
    return merge_data_samples(results)


def is_3d(sample: PoseDataSample) -> bool:
    """A volumetric 3D prediction: keypoints (N, K, 3)."""
    return sample.pred_instances.keypoints.shape[-1] == 3


def lift_to_camera(keypoints: np.ndarray, bboxes: np.ndarray,
                   frame_shape: Tuple[int, int],
                   focal: Optional[Sequence[float]] = None,
                   root_depth: Optional[float] = None,
                   root_index: int = 0) -> np.ndarray:
    """Root-relative camera coordinates in mm of 3D predictions.

    Args:
        keypoints (np.ndarray): (N, K, 3) ``u, v`` (frame pixels) and depth
            relative to the root (mm).
        bboxes (np.ndarray): (N, 4) xyxy boxes (for the root-depth prior).
        frame_shape (tuple): (H, W) of the frame.
        focal (Sequence[float], optional): fx [fy]; default ``max(H, W)``.
        root_depth (float, optional): Root depth (mm); default per box
            ``sqrt(fx · fy · 2000² / (w · h))``.
        root_index (int): Root joint.

    Returns:
        np.ndarray: (N, K, 3) joints minus the root, in mm.
    """
    h, w = frame_shape
    fx, fy = (focal[0], focal[-1]) if focal else (float(max(h, w)), ) * 2
    out = np.zeros(keypoints.shape, np.float64)
    for n, (kpts, box) in enumerate(zip(keypoints, bboxes)):
        depth = root_depth
        if depth is None:
            area = max(float(box[2] - box[0]) * float(box[3] - box[1]), 1.0)
            depth = float(np.sqrt(fx * fy * HUMAN_AREA_MM2 / area))
        cam = image_to_camera(kpts, depth, (fx, fy), (w / 2.0, h / 2.0))
        out[n] = cam - cam[root_index]
    return out


# ----------------------------------------------------------------- drawing
def build_visualizers(model):
    """MMPose's 2D and 3D local visualisers with the model's dataset meta."""
    patch_agg_tostring_rgb()  # Pose3dLocalVisualizer on matplotlib >= 3.10
    _COUNTER[0] += 1
    vis2d = VISUALIZERS.build(
        dict(type='PoseLocalVisualizer', name=f'demo2d_{_COUNTER[0]}',
             radius=3, line_width=2, backend='matplotlib'))
    vis3d = VISUALIZERS.build(
        dict(type='Pose3dLocalVisualizer', name=f'demo3d_{_COUNTER[0]}',
             radius=3, line_width=2, backend='matplotlib'))
    for vis in (vis2d, vis3d):
        vis.set_dataset_meta(model.dataset_meta)
    return vis2d, vis3d


def _scaled(sample: PoseDataSample, factor: float,
            keypoints: np.ndarray) -> PoseDataSample:
    inst = InstanceData()
    inst.keypoints = keypoints[..., :2] * factor
    inst.keypoint_scores = sample.pred_instances.keypoint_scores
    inst.bboxes = sample.pred_instances.bboxes * factor
    out = PoseDataSample()
    out.pred_instances = inst
    return out


def plot_frame_3d(keypoints_mm: np.ndarray) -> np.ndarray:
    """Camera axes (x right, y down, z forward) -> plot axes (x, depth, up).

    Stays root-relative and in mm.
    """
    return np.stack([keypoints_mm[..., 0], keypoints_mm[..., 2],
                     -keypoints_mm[..., 1]], -1)


def draw(vis2d, vis3d, frame: np.ndarray, sample: Optional[PoseDataSample],
         keypoints_mm: Optional[np.ndarray], args) -> np.ndarray:
    """The drawing of one frame (RGB); 3D models get a 3D panel beside it."""
    rgb = mmcv.bgr2rgb(frame)
    factor = max(1.0, args.vis_height / frame.shape[0])
    if factor > 1:
        rgb = mmcv.imrescale(rgb, factor, interpolation='bilinear')
        factor = rgb.shape[0] / frame.shape[0]
    if sample is None:
        return rgb
    sample2d = _scaled(sample, factor, sample.pred_instances.keypoints)
    if keypoints_mm is None:
        vis2d.add_datasample('pose', rgb, data_sample=sample2d, draw_gt=False,
                             draw_heatmap=False, draw_bbox=args.draw_bbox,
                             kpt_thr=args.kpt_thr)
        return vis2d.get_image()
    sample3d = PoseDataSample()
    inst = InstanceData()
    inst.keypoints = plot_frame_3d(keypoints_mm)
    inst.keypoint_scores = sample.pred_instances.keypoint_scores
    sample3d.pred_instances = inst
    # MMPose 1.3.2 lays out several 3D instances wrongly: draw the first
    vis3d.add_datasample('pose3d', rgb, data_sample=sample3d,
                         det_data_sample=sample2d, draw_gt=False,
                         draw_2d=True, draw_bbox=args.draw_bbox,
                         convert_keypoint=False, axis_limit=AXIS_LIMIT_MM,
                         num_instances=1, kpt_thr=args.kpt_thr)
    return vis3d.get_image()


# ------------------------------------------------------------------ inputs
def input_kind(source: str) -> str:
    """'webcam', 'image', 'folder' or 'video' (an error names the path)."""
    if source.isdigit():
        return 'webcam'
    if osp.isdir(source):
        return 'folder'
    if not osp.isfile(source):
        raise FileNotFoundError(f'--input {source!r}: no such file, folder '
                                f'or webcam index')
    ext = osp.splitext(source)[1].lower()
    if ext in IMAGE_EXTS:
        return 'image'
    if ext in VIDEO_EXTS:
        return 'video'
    raise ValueError(f'--input {source!r}: unknown extension {ext!r}; '
                     f'expected an image {IMAGE_EXTS} or a video '
                     f'{VIDEO_EXTS}')


def open_capture(source: str, kind: str) -> Optional[cv2.VideoCapture]:
    """An opened ``cv2.VideoCapture`` for a video or webcam index, else None.

    Opened before the models are built, so a wrong index fails at once with
    an error naming it.
    """
    if kind not in ('video', 'webcam'):
        return None
    cap = cv2.VideoCapture(int(source) if kind == 'webcam' else source)
    if not cap.isOpened():
        cap.release()
        if kind == 'webcam':
            raise ValueError(
                f'--input {source!r}: cannot open webcam index {int(source)} '
                f'(cv2.VideoCapture({int(source)}) failed); expected the '
                f'index of an attached camera, e.g. 0 for /dev/video0')
        raise ValueError(f'--input {source!r}: cannot open the video '
                         f'(OpenCV could not decode it)')
    return cap


def read_frames(source: str, kind: str,
                cap: Optional[cv2.VideoCapture] = None
                ) -> Iterator[Tuple[str, np.ndarray]]:
    """``(name, BGR frame)`` of every image or video frame.

    Args:
        cap: the capture of a video or webcam (from :func:`open_capture`;
            opened here when not given). It is released at the end.
    """
    if kind in ('image', 'folder'):
        paths = [source] if kind == 'image' else sorted(
            osp.join(source, f) for f in os.listdir(source)
            if f.lower().endswith(IMAGE_EXTS))
        if not paths:
            raise FileNotFoundError(f'--input {source!r}: no images '
                                    f'{IMAGE_EXTS} in the folder')
        for path in paths:
            frame = mmcv.imread(path)
            if frame is None:
                raise ValueError(f'cannot read image {path!r}')
            yield path, frame
        return
    if cap is None:
        cap = open_capture(source, kind)
    try:
        index = 0
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            yield f'frame_{index:06d}', frame
            index += 1
    finally:
        cap.release()


def _to_json(obj):
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f'not JSON-serialisable: {type(obj).__name__}')


def instances(sample: Optional[PoseDataSample],
              keypoints_mm: Optional[np.ndarray]) -> List[dict]:
    """MMPose's per-instance dicts (+ ``keypoints_3d`` in mm for 3D)."""
    if sample is None:
        return []
    out = split_instances(sample.pred_instances)
    if keypoints_mm is not None:
        for inst, kpts in zip(out, keypoints_mm):
            inst['keypoints_3d'] = kpts.tolist()
    return out


# -------------------------------------------------------------------- main
def main(argv: Optional[Sequence[str]] = None) -> dict:
    """Run the demo; returns the prediction dict written by
    ``--save-predictions`` (also when not written)."""
    args = parse_args(argv)
    kind = input_kind(args.input)
    cap = open_capture(args.input, kind)
    model = build_pose_model(args.config, args.checkpoint, args.device,
                             _cfg_options(args.cfg_options))
    detector = None
    if args.det_config:
        detector = build_detector(args.det_config, args.det_checkpoint,
                                  args.device)
    else:
        print('no detector given (--det-config/--det-checkpoint): the whole '
              'image is one person box')
    vis2d, vis3d = build_visualizers(model)
    if args.out_dir:
        os.makedirs(args.out_dir, exist_ok=True)
    stem = osp.splitext(osp.basename(osp.normpath(args.input)))[0]
    writer = None
    records = []
    frames = read_frames(args.input, kind, cap)
    count = 0  # frames, for the progress bar of folders and videos
    if kind == 'video':
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    elif kind == 'folder':
        count = sum(f.lower().endswith(IMAGE_EXTS)
                    for f in os.listdir(args.input))
    progress = ProgressBar(count) if count > 1 else None
    for index, (name, frame) in enumerate(frames):
        bboxes = None
        if detector is not None:
            bboxes = detect_persons(detector, frame, args.det_cat_id,
                                    args.bbox_thr, args.nms_thr)
        sample = estimate(model, frame, bboxes)
        keypoints_mm = None
        if sample is not None and is_3d(sample):
            keypoints_mm = lift_to_camera(
                sample.pred_instances.keypoints,
                sample.pred_instances.bboxes, frame.shape[:2], args.focal,
                args.root_depth, args.root_index)
        records.append(dict(frame_id=index, img_path=name,
                            instances=instances(sample, keypoints_mm)))
        drawn = draw(vis2d, vis3d, frame, sample, keypoints_mm, args)
        bgr = mmcv.rgb2bgr(drawn)
        if args.show:
            vis2d.show(drawn, win_name='topdown_demo',
                       wait_time=args.wait_time)
        if args.out_dir and kind in ('image', 'folder'):
            out = osp.join(args.out_dir, osp.basename(name))
            mmcv.imwrite(bgr, out)
            if progress is None:
                print(f'drawing written to {out}')
        elif args.out_dir:
            if writer is None:
                fps = 25.0
                if kind == 'video':
                    fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
                path = osp.join(args.out_dir, f'{stem}.mp4')
                writer = cv2.VideoWriter(path,
                                         cv2.VideoWriter_fourcc(*'mp4v'),
                                         fps, (bgr.shape[1], bgr.shape[0]))
            writer.write(bgr)
        if progress is not None:
            progress.update()
    if writer is not None:
        writer.release()
        print(f'\ndrawings written to {osp.join(args.out_dir, stem)}.mp4')
    elif progress is not None and args.out_dir:
        print(f'\ndrawings written to {args.out_dir}')

    instance_info = (records[0]['instances'] if kind == 'image' else records)
    result = dict(meta_info=model.dataset_meta, instance_info=instance_info,
                  bbox_source='detector' if detector else 'whole_image')
    if args.save_predictions:
        path = osp.join(args.out_dir, f'results_{stem}.json')
        atomic_write_text(path, json.dumps(result, default=_to_json,
                                           indent=1) + '\n')
        print(f'predictions written to {path}')
    return result


if __name__ == '__main__':
    main()
