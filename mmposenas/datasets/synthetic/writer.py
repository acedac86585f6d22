"""Annotation files in the formats MMPose's loaders read, written byte-for-byte
reproducibly.

* ``annotation_body3d/<name>_<split>.npz`` — Human3.6M body3d layout, as in
  MMPose's ``tests/data/h36m/test_h36m_body3d.npz``: ``imgname`` (N,) str,
  ``center`` (N, 2) float64, ``scale`` (N,) float64, ``part`` (N, 17, 3)
  float64 (pixels + in-frame flag), ``S`` (N, 17, 4) float64 (camera-frame
  metres + 1). Extra keys (ignored by MMPose): ``visible`` (N, 17) uint8 joint
  visibility from the depth order, ``bbox`` (N, 4) float64 silhouette box.
* ``annotation_body3d/cameras.pkl`` — ``{(subject, camera_id): {'R', 'T',
  'c', 'f', 'k', 'p', 'w', 'h', 'name', 'id'}}`` as MMPose's Human3.6M
  converter writes it.
* ``annotations/person_keypoints_<split>.json`` — COCO keypoint file (17 COCO
  keypoints, ``v`` = 2 visible / 1 occluded / 0 outside the image, boxes,
  areas).

``numpy.savez`` stamps the current time into the zip entries, so the ``.npz``
is written with a fixed timestamp instead (still a plain ``np.load``-able
archive).
"""
import io
import json
import pickle
import zipfile
from dataclasses import dataclass
from typing import Dict, List, Mapping, Sequence, Tuple

import numpy as np

from .skeleton import COCO_KEYPOINT_NAMES, COCO_SKELETON_1BASED

_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)

#: Human3.6M convention: ``scale = 1.2 * max(box w, box h) / 200`` for the box
#: around the 2D joints (checked on the shipped sample).
H36M_BOX_PADDING = 1.2
H36M_PIXEL_STD = 200.


def npz_bytes(arrays: Mapping[str, np.ndarray]) -> bytes:
    """An uncompressed ``.npz`` archive of ``arrays`` with fixed zip
    timestamps.

    Args:
        arrays (Mapping[str, np.ndarray]): name -> array; object arrays are
            refused (MMPose loads with ``allow_pickle=False``).
    """
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w', zipfile.ZIP_STORED) as zf:
        for name, value in arrays.items():
            value = np.asanyarray(value)
            if value.dtype == object:
                raise TypeError(f'array {name!r} has dtype object; MMPose '
                                'loads npz files without pickle')
            arr_buf = io.BytesIO()
            np.lib.format.write_array(arr_buf, value, allow_pickle=False)
            info = zipfile.ZipInfo(name + '.npy', date_time=_ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            zf.writestr(info, arr_buf.getvalue())
    return buf.getvalue()


def cameras_pkl_bytes(cameras: Mapping[Tuple[str, str], dict]) -> bytes:
    """Pickle of MMPose's Human3.6M camera dict (keys in the given order)."""
    return pickle.dumps(dict(cameras), protocol=4)


def json_bytes(obj) -> bytes:
    """Compact, deterministic JSON."""
    return json.dumps(obj, separators=(',', ':')).encode('utf-8')


def h36m_center_scale(joints_2d: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Human3.6M ``center`` and ``scale`` of 2D joints.

    Args:
        joints_2d (np.ndarray): (N, K, 2) pixels.

    Returns:
        tuple: ``center`` (N, 2) — centre of the joints' bounding box — and
        ``scale`` (N,) — ``1.2 * max(w, h) / 200``.
    """
    lo, hi = joints_2d.min(axis=1), joints_2d.max(axis=1)
    center = (lo + hi) / 2
    scale = H36M_BOX_PADDING * (hi - lo).max(axis=1) / H36M_PIXEL_STD
    return center, scale


@dataclass
class SampleRecord:
    """Annotations of one rendered image.

    Attributes:
        imgname (str): path relative to the image root, Human3.6M style
            (``S1/S1_Walking.91000001/S1_Walking.91000001_000001.jpg``).
        width (int), height (int): image size in pixels.
        joints_cam (np.ndarray): (17, 3) metres, camera frame.
        joints_2d (np.ndarray): (17, 2) pixels.
        joints_in_frame (np.ndarray): (17,) bool.
        joints_visible (np.ndarray): (17,) bool.
        coco_2d (np.ndarray): (17, 2) pixels.
        coco_in_frame (np.ndarray): (17,) bool.
        coco_visible (np.ndarray): (17,) bool.
        bbox (np.ndarray): (4,) xywh silhouette box.
        area (float): silhouette area.
    """
    imgname: str
    width: int
    height: int
    joints_cam: np.ndarray
    joints_2d: np.ndarray
    joints_in_frame: np.ndarray
    joints_visible: np.ndarray
    coco_2d: np.ndarray
    coco_in_frame: np.ndarray
    coco_visible: np.ndarray
    bbox: np.ndarray
    area: float


def h36m_npz_bytes(records: Sequence[SampleRecord]) -> bytes:
    """The Human3.6M body3d ``.npz`` of ``records`` (see module docstring)."""
    if not records:
        raise ValueError('no records to write')
    n = len(records)
    part = np.zeros((n, 17, 3))
    S = np.ones((n, 17, 4))
    for i, r in enumerate(records):
        part[i, :, :2] = r.joints_2d
        part[i, :, 2] = r.joints_in_frame
        S[i, :, :3] = r.joints_cam
    center, scale = h36m_center_scale(part[..., :2])
    return npz_bytes({
        'imgname': np.array([r.imgname for r in records]),
        'center': center,
        'scale': scale,
        'part': part,
        'S': S,
        'visible': np.stack([r.joints_visible for r in records]).astype(
            np.uint8),
        'bbox': np.stack([r.bbox for r in records]).astype(np.float64),
    })


def coco_keypoints(coco_2d: np.ndarray, in_frame: np.ndarray,
                   visible: np.ndarray) -> List[float]:
    """COCO ``keypoints`` list: ``x, y, v`` per keypoint, ``v`` 2 visible, 1
    occluded, 0 outside the image (then ``x = y = 0``)."""
    out: List[float] = []
    for (x, y), inside, vis in zip(coco_2d, in_frame, visible):
        if not inside:
            out += [0, 0, 0]
        else:
            out += [round(float(x), 3), round(float(y), 3), 2 if vis else 1]
    return out


def coco_json_bytes(records: Sequence[SampleRecord],
                    description: str) -> bytes:
    """A COCO person-keypoint annotation file, one person per image."""
    images, annotations = [], []
    for i, r in enumerate(records):
        kpts = coco_keypoints(r.coco_2d, r.coco_in_frame, r.coco_visible)
        x, y, w, h = (round(float(v), 2) for v in r.bbox)
        images.append({
            'id': i + 1,
            'file_name': r.imgname,
            'width': int(r.width),
            'height': int(r.height),
        })
        annotations.append({
            'id': i + 1,
            'image_id': i + 1,
            'category_id': 1,
            'iscrowd': 0,
            'bbox': [x, y, w, h],
            'area': round(float(r.area), 2),
            'num_keypoints': int(sum(1 for v in kpts[2::3] if v > 0)),
            'keypoints': kpts,
        })
    return json_bytes({
        'info': {
            'description': description,
            'version': '1.0',
            'year': 2024,
        },
        'licenses': [],
        'images': images,
        'annotations': annotations,
        'categories': [{
            'id': 1,
            'name': 'person',
            'supercategory': 'person',
            'keypoints': list(COCO_KEYPOINT_NAMES),
            'skeleton': COCO_SKELETON_1BASED,
        }],
    })


def cameras_to_pkl_dict(rigs: Mapping[str, Sequence]) -> Dict[Tuple[str, str],
                                                               dict]:
    """``{subject: [PinholeCamera, ...]}`` -> MMPose camera dict."""
    out = {}
    for subject, cams in rigs.items():
        for cam in cams:
            out[(subject, cam.id)] = cam.to_mmpose_dict()
    return out
