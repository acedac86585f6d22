"""Image-based top-down Human3.6M dataset with root-relative 3D labels."""
import os.path as osp
from collections import defaultdict
from copy import deepcopy
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmpose.datasets.datasets import Human36mDataset
from mmpose.registry import DATASETS

#: Index of the added thorax (MPII's 'thorax': midpoint of the shoulders) in
#: the 18-joint layout; it is excluded from the H36M evaluation.
H36M18_THORAX_INDEX = 17
#: The 17 evaluated joints of the 18-joint layout (MMPose's H36M order).
H36M18_EVAL_INDICES = tuple(range(17))
_H36M_LEFT_SHOULDER, _H36M_RIGHT_SHOULDER = 11, 14

#: ``KeypointConverter`` mapping MPII (16 joints) -> 18-joint H36M layout.
MPII_TO_H36M18 = [
    (0, 3),  # right_ankle -> right_foot
    (1, 2),  # right_knee
    (2, 1),  # right_hip
    (3, 4),  # left_hip
    (4, 5),  # left_knee
    (5, 6),  # left_ankle -> left_foot
    (6, 0),  # pelvis -> root
    (7, 17),  # thorax -> shoulder_center (added thorax)
    (8, 8),  # upper_neck -> thorax (H36M 'neck')
    (9, 10),  # head_top -> head
    (10, 16),  # right_wrist
    (11, 15),  # right_elbow
    (12, 14),  # right_shoulder
    (13, 11),  # left_shoulder
    (14, 12),  # left_elbow
    (15, 13),  # left_wrist
]

#: ``KeypointConverter`` mapping COCO (17 joints) -> 18-joint H36M layout;
#: root and the added thorax are hip and shoulder midpoints.
COCO_TO_H36M18 = [
    ((11, 12), 0),  # hips midpoint -> root
    ((12, 12), 1),  # right_hip
    ((14, 14), 2),  # right_knee
    ((16, 16), 3),  # right_ankle -> right_foot
    ((11, 11), 4),  # left_hip
    ((13, 13), 5),  # left_knee
    ((15, 15), 6),  # left_ankle -> left_foot
    ((0, 0), 9),  # nose -> neck_base (H36M 'nose')
    ((5, 5), 11),  # left_shoulder
    ((7, 7), 12),  # left_elbow
    ((9, 9), 13),  # left_wrist
    ((6, 6), 14),  # right_shoulder
    ((8, 8), 15),  # right_elbow
    ((10, 10), 16),  # right_wrist
    ((5, 6), 17),  # shoulders midpoint -> shoulder_center
]


_BLUE, _GREEN, _ORANGE = [51, 153, 255], [0, 255, 0], [255, 128, 0]
# (name, type, swap, colour): MMPose's H36M joints (configs/_base_/datasets/
# h36m.py) followed by the added thorax.
_H36M18_JOINTS = [
    ('root', 'lower', '', _BLUE),
    ('right_hip', 'lower', 'left_hip', _ORANGE),
    ('right_knee', 'lower', 'left_knee', _ORANGE),
    ('right_foot', 'lower', 'left_foot', _ORANGE),
    ('left_hip', 'lower', 'right_hip', _GREEN),
    ('left_knee', 'lower', 'right_knee', _GREEN),
    ('left_foot', 'lower', 'right_foot', _GREEN),
    ('spine', 'upper', '', _BLUE),
    ('thorax', 'upper', '', _BLUE),
    ('neck_base', 'upper', '', _BLUE),
    ('head', 'upper', '', _BLUE),
    ('left_shoulder', 'upper', 'right_shoulder', _GREEN),
    ('left_elbow', 'upper', 'right_elbow', _GREEN),
    ('left_wrist', 'upper', 'right_wrist', _GREEN),
    ('right_shoulder', 'upper', 'left_shoulder', _ORANGE),
    ('right_elbow', 'upper', 'left_elbow', _ORANGE),
    ('right_wrist', 'upper', 'left_wrist', _ORANGE),
    ('shoulder_center', 'upper', '', _BLUE),  # added: MPII's thorax
]
_H36M_LINKS = [
    ('root', 'left_hip', _GREEN), ('left_hip', 'left_knee', _GREEN),
    ('left_knee', 'left_foot', _GREEN), ('root', 'right_hip', _ORANGE),
    ('right_hip', 'right_knee', _ORANGE),
    ('right_knee', 'right_foot', _ORANGE), ('root', 'spine', _BLUE),
    ('spine', 'thorax', _BLUE), ('thorax', 'neck_base', _BLUE),
    ('neck_base', 'head', _BLUE), ('thorax', 'left_shoulder', _GREEN),
    ('left_shoulder', 'left_elbow', _GREEN),
    ('left_elbow', 'left_wrist', _GREEN),
    ('thorax', 'right_shoulder', _ORANGE),
    ('right_shoulder', 'right_elbow', _ORANGE),
    ('right_elbow', 'right_wrist', _ORANGE)
]


def _h36m18_metainfo() -> dict:
    """MMPose's H36M metainfo plus the added thorax as joint 17."""
    return dict(
        dataset_name='h36m18',
        keypoint_info={
            i: dict(name=name, id=i, color=color, type=kind, swap=swap)
            for i, (name, kind, swap, color) in enumerate(_H36M18_JOINTS)
        },
        skeleton_info={
            i: dict(link=(a, b), id=i, color=color)
            for i, (a, b, color) in enumerate(_H36M_LINKS)
        },
        joint_weights=[1.] * len(_H36M18_JOINTS),
        sigmas=[],
        stats_info=dict(bbox_center=(528., 427.), bbox_scale=400.))


#: Metainfo (MMPose ``dataset_info`` format) of the 18-joint layout.
H36M18_METAINFO: dict = _h36m18_metainfo()


@DATASETS.register_module()
class Human36mImageDataset(Human36mDataset):
    """Top-down Human3.6M images with 2D keypoints and root-relative 3D joints.

    Reads MMPose's H36M ``.npz`` (``imgname``, ``center``, ``scale``,
    ``part``, ``S`` in metres, camera coordinates) and ``cameras.pkl``. Every
    sample carries:

    - ``img_path``, ``bbox`` ``(1, 4)`` xyxy (the square ``center`` /
      ``scale * 200`` box of the file; from the 2D extent x1.2 when absent),
      ``bbox_score`` ``(1,)``;
    - ``keypoints`` ``(1, K, 2)`` image pixels and ``keypoints_visible``
      ``(1, K)``;
    - ``keypoints_3d`` and ``lifting_target`` ``(1, K, 3)``: root-relative
      camera coordinates in millimetres (+ ``*_visible`` ``(1, K)``);
    - ``root_cam`` ``(1, 3)``: absolute camera coordinates of the root (mm),
      ``camera_param`` (the file's dict: ``R`` camera-to-world rotation,
      ``T`` in metres, ``f``, ``c`` in pixels), ``target_img_path``,
      ``subject``, ``action``, ``camera_id``.

    With ``add_thorax`` (default) an 18th joint, MPII's thorax (midpoint of
    the shoulders), is appended so H36M and MPII/COCO share one 18-joint
    layout (:data:`H36M18_METAINFO`; map MPII/COCO with ``KeypointConverter``
    and :data:`MPII_TO_H36M18` / :data:`COCO_TO_H36M18`). Evaluate on
    :data:`H36M18_EVAL_INDICES` only.

    Protocols (``subjects`` / ``frame_interval``):

    - Protocol 1: train ``['S1', 'S5', 'S6', 'S7', 'S8', 'S9']``; test
      ``['S11']`` with ``frame_interval=64``; PA-MPJPE.
    - Protocol 2: train ``['S1', 'S5', 'S6', 'S7', 'S8']``; test
      ``['S9', 'S11']`` with ``frame_interval=64``; MPJPE.

    Args:
        ann_file (str): The ``.npz`` annotation file.
        camera_param_file (str): ``cameras.pkl`` keyed by ``(subject,
            camera_id)``. Required for ``keypoints_2d_from='projection'`` and
            for the back-projection in the metric.
        subjects (sequence[str], optional): Keep only these subjects (e.g.
            ``['S9', 'S11']``). ``None`` keeps all.
        frame_interval (int): Keep every ``frame_interval``-th frame of each
            video. Defaults to 1 (all).
        frame_interval_mode (str): ``'frame_number'`` (default) keeps frames
            whose original video frame number (the ``_000001`` suffix,
            1-based) satisfies ``(n - 1) % frame_interval == 0`` -- the
            protocol definition, exact when the annotation was extracted
            with a frame step that divides the interval; ``'index'`` keeps
            every ``frame_interval``-th annotated frame of each video.
        add_thorax (bool): Append the MPII thorax as joint 17. Default True.
        keypoints_2d_from (str): ``'projection'`` (default): pinhole
            projection of the 3D joints with ``f``, ``c`` (exactly invertible
            with the root depth, which the metric does); ``'annotation'``:
            the file's ``part`` (distorted 2D, ~2 px off the pinhole model).
        unit_to_mm (float): Factor from the file's 3D unit to millimetres.
            Defaults to 1000 (MMPose stores metres).
        root_index (int): Root (pelvis) joint. Defaults to 0.
        data_root, data_prefix, metainfo, filter_cfg, indices,
        serialize_data, pipeline, test_mode, lazy_init, max_refetch: as in
            :class:`mmpose.datasets.Human36mDataset` (``data_mode`` is always
            ``'topdown'``, ``seq_len`` 1).
    """

    METAINFO: dict = H36M18_METAINFO
    FRAME_INTERVAL_MODES = ('frame_number', 'index')
    KEYPOINTS_2D_SOURCES = ('projection', 'annotation')

    def __init__(self,
                 ann_file: str = '',
                 camera_param_file: Optional[str] = None,
                 subjects: Optional[Sequence[str]] = None,
                 frame_interval: int = 1,
                 frame_interval_mode: str = 'frame_number',
                 add_thorax: bool = True,
                 keypoints_2d_from: str = 'projection',
                 unit_to_mm: float = 1000.0,
                 root_index: int = 0,
                 metainfo: Optional[dict] = None,
                 data_root: Optional[str] = None,
                 data_prefix: dict = dict(img=''),
                 filter_cfg: Optional[dict] = None,
                 indices: Optional[Union[int, Sequence[int]]] = None,
                 serialize_data: bool = True,
                 pipeline: List[Union[dict, Callable]] = [],
                 test_mode: bool = False,
                 lazy_init: bool = False,
                 max_refetch: int = 1000) -> None:
        if isinstance(subjects, str):
            subjects = [subjects]
        self.subjects = None if subjects is None else list(subjects)
        if int(frame_interval) < 1:
            raise ValueError('Human36mImageDataset: frame_interval must be '
                             f'>= 1, got {frame_interval}')
        self.frame_interval = int(frame_interval)
        if frame_interval_mode not in self.FRAME_INTERVAL_MODES:
            raise ValueError(
                'Human36mImageDataset: frame_interval_mode must be one of '
                f'{self.FRAME_INTERVAL_MODES}, got {frame_interval_mode!r}')
        self.frame_interval_mode = frame_interval_mode
        if keypoints_2d_from not in self.KEYPOINTS_2D_SOURCES:
            raise ValueError(
                'Human36mImageDataset: keypoints_2d_from must be one of '
                f'{self.KEYPOINTS_2D_SOURCES}, got {keypoints_2d_from!r}')
        if keypoints_2d_from == 'projection' and not camera_param_file:
            raise ValueError(
                'Human36mImageDataset: keypoints_2d_from="projection" needs '
                'camera_param_file (cameras.pkl)')
        self.keypoints_2d_from = keypoints_2d_from
        self.add_thorax = add_thorax
        self.unit_to_mm = float(unit_to_mm)
        self.root_index = int(root_index)
        if metainfo is None and not add_thorax:
            metainfo = dict(from_file='configs/_base_/datasets/h36m.py')

        super().__init__(
            ann_file=ann_file,
            seq_len=1,
            camera_param_file=camera_param_file,
            data_mode='topdown',
            metainfo=metainfo,
            data_root=data_root,
            data_prefix=data_prefix,
            filter_cfg=filter_cfg,
            indices=indices,
            serialize_data=serialize_data,
            pipeline=pipeline,
            test_mode=test_mode,
            lazy_init=lazy_init,
            max_refetch=max_refetch)

    # ------------------------------------------------------------------
    # sample selection
    # ------------------------------------------------------------------
    def _load_ann_file(self, ann_file: str) -> None:
        """Load the ``.npz`` (called before ``self.ann_file`` is set)."""
        self._ann_path = ann_file
        try:
            super()._load_ann_file(ann_file)
        except Exception as e:
            raise ValueError(f'Cannot read {ann_file} as an MMPose H36M .npz '
                             f'annotation: {e}') from e

    @staticmethod
    def parse_frame_number(imgname: str) -> int:
        """Original video frame number of ``S1_Act.cam_000123.jpg``."""
        stem = osp.splitext(osp.basename(str(imgname)))[0]
        try:
            return int(stem.rsplit('_', 1)[1])
        except (IndexError, ValueError):
            raise ValueError(
                f'Cannot parse a frame number from image name {imgname!r}; '
                'expected "<subject>_<action>.<camera>_<frame>.jpg"') from None

    def get_sequence_indices(self) -> List[List[int]]:
        """Single-frame samples filtered by subject and frame interval."""
        if 'imgname' not in self.ann_data.files:
            raise KeyError(f'Annotation file {self._ann_path} has no '
                           "'imgname' array")
        imgnames = self.ann_data['imgname']
        videos: Dict[Tuple[str, str, str], List[Tuple[int, int]]] = \
            defaultdict(list)
        found_subjects = set()
        for idx, name in enumerate(imgnames):
            subj, action, camera = self._parse_h36m_imgname(name)
            found_subjects.add(subj)
            if self.subjects is not None and subj not in self.subjects:
                continue
            videos[(subj, action, camera)].append(
                (self.parse_frame_number(name), idx))

        keep = []
        for _, frames in sorted(videos.items()):
            frames.sort()
            for pos, (frame_no, idx) in enumerate(frames):
                if self.frame_interval_mode == 'frame_number':
                    ok = (frame_no - 1) % self.frame_interval == 0
                else:
                    ok = pos % self.frame_interval == 0
                if ok:
                    keep.append(idx)
        if self.subjects is not None and not videos:
            raise ValueError(
                f'No frames of subjects {self.subjects} in {self._ann_path}; '
                f'it holds {sorted(found_subjects)}')
        return [[idx] for idx in sorted(keep)]

    # ------------------------------------------------------------------
    # annotation loading
    # ------------------------------------------------------------------
    def _load_annotations(self) -> Tuple[List[dict], List[dict]]:
        ann = self.ann_data
        for key in ('imgname', 'S'):
            if key not in ann.files:
                raise KeyError(
                    f'Annotation file {self._ann_path} has no {key!r} array '
                    '(MMPose H36M .npz: imgname, center, scale, part, S)')
        kpts_3d_all = ann['S']
        if kpts_3d_all.ndim != 3 or kpts_3d_all.shape[-1] not in (3, 4):
            raise ValueError(f'{self._ann_path}: S must be (N, 17, 3|4), got '
                             f'{kpts_3d_all.shape}')
        num_file_kpts = kpts_3d_all.shape[1]
        num_keypoints = self.metainfo['num_keypoints']
        expected = num_file_kpts + (1 if self.add_thorax else 0)
        if num_keypoints != expected:
            raise ValueError(
                f'Human36mImageDataset: metainfo has {num_keypoints} '
                f'keypoints but {self._ann_path} gives {num_file_kpts} joints '
                f'(+1 thorax: {self.add_thorax})')
        has_part = 'part' in ann.files
        if self.keypoints_2d_from == 'annotation' and not has_part:
            raise KeyError(f'{self._ann_path} has no "part" array needed by '
                           'keypoints_2d_from="annotation"')
        has_box = 'center' in ann.files and 'scale' in ann.files
        imgnames = ann['imgname']
        centers = ann['center'] if has_box else None
        scales = ann['scale'] if has_box else None
        parts = ann['part'] if has_part else None

        instance_list = []
        for idx, frame_ids in enumerate(self.sequence_indices):
            i = frame_ids[0]
            imgname = str(imgnames[i])
            subj, action, camera = self._parse_h36m_imgname(imgname)

            s = kpts_3d_all[i].astype(np.float64)
            xyz = s[:, :3] * self.unit_to_mm
            vis3d = s[:, 3] if s.shape[1] == 4 else np.ones(len(s))
            if self.add_thorax:
                xyz = np.concatenate(
                    [xyz, xyz[[_H36M_LEFT_SHOULDER, _H36M_RIGHT_SHOULDER]]
                     .mean(0, keepdims=True)])
                vis3d = np.append(
                    vis3d, vis3d[[_H36M_LEFT_SHOULDER,
                                  _H36M_RIGHT_SHOULDER]].min())

            cam = None
            if self.camera_param_file:
                try:
                    cam = self.get_camera_param(imgname)
                except KeyError:
                    raise KeyError(
                        f'{self.camera_param_file} has no camera '
                        f'({subj!r}, {camera!r}) for {imgname}') from None

            if self.keypoints_2d_from == 'projection':
                f = np.asarray(cam['f'], dtype=np.float64).reshape(2)
                c = np.asarray(cam['c'], dtype=np.float64).reshape(2)
                uv = xyz[:, :2] / xyz[:, 2:3] * f + c
                vis2d = vis3d.copy()
            else:
                p = parts[i].astype(np.float64)
                uv, vis2d = p[:, :2], (p[:, 2] if p.shape[1] > 2 else
                                       np.ones(len(p)))
                if self.add_thorax:
                    pair = [_H36M_LEFT_SHOULDER, _H36M_RIGHT_SHOULDER]
                    uv = np.concatenate([uv, uv[pair].mean(0, keepdims=True)])
                    vis2d = np.append(vis2d, vis2d[pair].min())

            if has_box and float(scales[i]) > 0:
                cx, cy = np.asarray(centers[i], dtype=np.float64).reshape(2)
                half = float(scales[i]) * 200 / 2
            else:
                lo, hi = uv.min(0), uv.max(0)
                cx, cy = (lo + hi) / 2
                half = 1.2 * float((hi - lo).max()) / 2
            bbox = np.array([[cx - half, cy - half, cx + half, cy + half]],
                            dtype=np.float32)

            root = xyz[self.root_index].copy()
            rel = (xyz - root)[None].astype(np.float32)
            vis3d = vis3d[None].astype(np.float32)
            info = {
                'id': idx,
                'img_id': int(i),
                'img_path': osp.join(self.data_prefix['img'], imgname),
                'img_paths': [imgname],
                'img_ids': [int(i)],
                'target_img_path': np.array([imgname]),
                'category_id': 1,
                'iscrowd': 0,
                'num_keypoints': num_keypoints,
                'bbox': bbox,
                'bbox_score': np.ones(1, dtype=np.float32),
                'keypoints': uv[None].astype(np.float32),
                'keypoints_visible': vis2d[None].astype(np.float32),
                'keypoints_3d': rel,
                'keypoints_3d_visible': vis3d,
                'lifting_target': rel.copy(),
                'lifting_target_visible': vis3d.copy(),
                'root_cam': root[None].astype(np.float32),
                'subject': subj,
                'action': action,
                'camera_id': camera,
            }
            if cam is not None:
                info['camera_param'] = deepcopy(cam)
            instance_list.append(info)
        return instance_list, []
