"""Pinhole cameras with Human3.6M-like intrinsics, and multi-camera rigs.

Extrinsics follow MMPose's Human3.6M ``cameras.pkl`` convention (checked
against ``data/samples/h36m``): ``R`` is the camera-to-world rotation and ``T``
the camera centre in world coordinates, so ``x_cam = R.T @ (x_world - T)``;
the camera frame is OpenCV's (``x`` right, ``y`` down, ``z`` forward). The
synthetic cameras have no lens distortion (``k = p = 0``), so pixel coordinates
are exactly ``f * x / z + c``.
"""
from dataclasses import dataclass
from typing import Dict, List, Tuple

import numpy as np

#: Human3.6M reference intrinsics (camera 54138969 of S1) at 1000 x 1002 px.
H36M_REFERENCE_SIZE = (1000, 1002)  # (w, h)
H36M_REFERENCE_F = (1145.05, 1143.78)
H36M_REFERENCE_C = (512.54, 515.45)

#: Range of the figure's distance (depth of the root joint) to every camera.
DEPTH_RANGE = (3.0, 7.0)


@dataclass
class PinholeCamera:
    """One calibrated camera.

    Attributes:
        R (np.ndarray): (3, 3) camera-to-world rotation.
        T (np.ndarray): (3, 1) camera centre, metres, world frame.
        f (np.ndarray): (2, 1) focal lengths ``fx, fy`` in pixels.
        c (np.ndarray): (2, 1) principal point in pixels.
        w (int): image width in pixels.
        h (int): image height in pixels.
        name (str): e.g. ``'camera1'``.
        id (str): 8-digit camera id used in image names.
    """
    R: np.ndarray
    T: np.ndarray
    f: np.ndarray
    c: np.ndarray
    w: int
    h: int
    name: str
    id: str

    def world_to_camera(self, points: np.ndarray) -> np.ndarray:
        """(..., 3) world metres -> (..., 3) camera metres."""
        points = np.asarray(points, dtype=np.float64)
        return (points - self.T[:, 0]) @ self.R

    def camera_to_world(self, points: np.ndarray) -> np.ndarray:
        """(..., 3) camera metres -> (..., 3) world metres."""
        points = np.asarray(points, dtype=np.float64)
        return points @ self.R.T + self.T[:, 0]

    def camera_to_pixel(self, points: np.ndarray) -> np.ndarray:
        """(..., 3) camera metres (``z > 0``) -> (..., 2) pixels."""
        points = np.asarray(points, dtype=np.float64)
        return points[..., :2] / points[..., 2:3] * self.f[:, 0] + self.c[:, 0]

    @property
    def focal(self) -> float:
        """Mean focal length in pixels."""
        return float(self.f.mean())

    def to_mmpose_dict(self) -> Dict[str, object]:
        """The entry of MMPose's Human3.6M ``cameras.pkl`` for this camera.

        Keys, dtypes and shapes match the real file: ``R`` (3, 3), ``T``
        (3, 1), ``c`` (2, 1), ``f`` (2, 1), ``k`` (3, 1), ``p`` (2, 1) float64;
        ``w``, ``h`` int; ``name``, ``id`` str.
        """
        return {
            'R': self.R.astype(np.float64),
            'T': self.T.astype(np.float64),
            'c': self.c.astype(np.float64),
            'f': self.f.astype(np.float64),
            'k': np.zeros((3, 1)),
            'p': np.zeros((2, 1)),
            'w': int(self.w),
            'h': int(self.h),
            'name': self.name,
            'id': self.id,
        }


def look_at_rotation(eye: np.ndarray, target: np.ndarray,
                     roll_deg: float = 0.) -> np.ndarray:
    """Camera-to-world rotation of a camera at ``eye`` looking at ``target``.

    Args:
        eye (np.ndarray): (3,) camera centre, world (``z`` up).
        target (np.ndarray): (3,) point on the optical axis.
        roll_deg (float): rotation about the optical axis.

    Returns:
        np.ndarray: (3, 3) with columns the camera ``x`` (right), ``y`` (down)
        and ``z`` (forward) axes in world coordinates.
    """
    z = np.asarray(target, float) - np.asarray(eye, float)
    z /= np.linalg.norm(z)
    x = np.cross(z, [0., 0., 1.])
    if np.linalg.norm(x) < 1e-6:
        raise ValueError('camera looks straight up or down')
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    a = np.deg2rad(roll_deg)
    x, y = np.cos(a) * x + np.sin(a) * y, -np.sin(a) * x + np.cos(a) * y
    return np.stack([x, y, z], axis=1)


def camera_ids(num_cameras: int) -> List[str]:
    """Fixed 8-digit ids of camera ``0 .. num_cameras - 1`` (shared by all
    subjects, like Human3.6M's four cameras)."""
    return [f'{91000001 + 1111 * i:08d}' for i in range(num_cameras)]


def sample_camera_rig(rng: np.random.Generator,
                      num_cameras: int,
                      image_size: Tuple[int, int],
                      radius_range: Tuple[float, float] = (4.3, 5.7),
                      height_range: Tuple[float, float] = (1.0, 2.0)
                      ) -> List[PinholeCamera]:
    """Cameras spread around the capture area, all looking at its centre.

    Intrinsics are Human3.6M's, rescaled to ``image_size`` and jittered by 1%;
    camera ``i`` sits at azimuth ``360 * i / num_cameras`` (± 15 degrees) on a
    circle around the world origin.

    Args:
        rng (np.random.Generator): source of randomness.
        num_cameras (int): cameras in the rig (>= 1).
        image_size (tuple[int, int]): (w, h) pixels.
        radius_range (tuple): distance of the cameras to the origin, metres.
        height_range (tuple): camera heights above the floor, metres.

    Returns:
        list[PinholeCamera]
    """
    if num_cameras < 1:
        raise ValueError(f'num_cameras must be >= 1, got {num_cameras}')
    w, h = image_size
    sx = w / H36M_REFERENCE_SIZE[0]
    sy = h / H36M_REFERENCE_SIZE[1]
    ids = camera_ids(num_cameras)
    offset = rng.uniform(0, 360)
    cameras = []
    for i in range(num_cameras):
        azim = np.deg2rad(offset + 360. * i / num_cameras +
                          rng.uniform(-15, 15))
        radius = rng.uniform(*radius_range)
        eye = np.array([radius * np.cos(azim), radius * np.sin(azim),
                        rng.uniform(*height_range)])
        target = np.array([rng.uniform(-.3, .3), rng.uniform(-.3, .3),
                           rng.uniform(0.8, 1.1)])
        R = look_at_rotation(eye, target, roll_deg=rng.uniform(-3, 3))
        f = np.array([[H36M_REFERENCE_F[0] * sx], [H36M_REFERENCE_F[1] * sy]])
        f *= rng.uniform(0.99, 1.01)
        c = np.array([[H36M_REFERENCE_C[0] * sx], [H36M_REFERENCE_C[1] * sy]])
        c += rng.uniform(-0.01, 0.01, (2, 1)) * [[w], [h]]
        cameras.append(
            PinholeCamera(R=R, T=eye[:, None], f=f, c=c, w=int(w), h=int(h),
                          name=f'camera{i + 1}', id=ids[i]))
    return cameras
