"""Joint-angle sampling within anatomical limits and forward kinematics.

A figure is posed by a set of joint angles (degrees): ball joints at hips,
shoulders, lower/upper back and neck (flexion, abduction/lateral bend, axial
rotation) and hinges at knees, elbows and ankles. Every "action" is a prior
over these angles (a sub-range of the anatomical limits), so frames of one
action look alike, as in Human3.6M. Forward kinematics turns angles and bone
lengths into the 17 Human3.6M joints, the render-only end points (toes, finger
tips), the head sphere and the five COCO face points.

Conventions: body frame ``x`` right, ``y`` forward, ``z`` up; world frame
``z`` up with the floor at ``z = 0`` (as in Human3.6M world coordinates).
"""
from dataclasses import dataclass, field
from typing import Callable, Dict, Tuple

import numpy as np

from .skeleton import (BONE_LENGTH_TOLERANCE, COCO_FACE_NAMES, H36M_INDEX,
                       NUM_H36M_JOINTS, nominal_bone_lengths)

#: Anatomical limits (degrees, inclusive) of every joint angle sampled.
#: ``side_`` entries apply to both ``right_`` and ``left_``.
ANATOMICAL_LIMITS: Dict[str, Tuple[float, float]] = {
    'lower_back_flex': (-15., 45.),
    'lower_back_lat': (-15., 15.),
    'lower_back_twist': (-20., 20.),
    'upper_back_flex': (-15., 35.),
    'upper_back_lat': (-15., 15.),
    'upper_back_twist': (-25., 25.),
    'neck_flex': (-40., 50.),
    'neck_lat': (-35., 35.),
    'neck_twist': (-70., 70.),
    'side_hip_flex': (-25., 120.),
    'side_hip_abd': (-15., 45.),
    'side_hip_rot': (-35., 35.),
    'side_knee_flex': (0., 140.),
    'side_ankle_flex': (-20., 30.),
    'side_shoulder_flex': (-45., 170.),
    'side_shoulder_abd': (-10., 160.),
    'side_shoulder_rot': (-60., 60.),
    'side_elbow_flex': (0., 145.),
}

SIDES = ('right', 'left')


def _limit(name: str) -> Tuple[float, float]:
    for side in SIDES:
        if name.startswith(side + '_'):
            return ANATOMICAL_LIMITS['side_' + name[len(side) + 1:]]
    return ANATOMICAL_LIMITS[name]


def angle_names() -> Tuple[str, ...]:
    """All joint-angle names of a pose (global orientation excluded)."""
    names = []
    for key in ANATOMICAL_LIMITS:
        if key.startswith('side_'):
            names += [side + key[4:] for side in SIDES]
        else:
            names.append(key)
    return tuple(names)


# --------------------------------------------------------------------------
# Rotations
# --------------------------------------------------------------------------
def rot_x(deg: float) -> np.ndarray:
    """(3, 3) rotation about ``x`` by ``deg`` degrees (right-hand rule)."""
    a = np.deg2rad(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[1., 0., 0.], [0., c, -s], [0., s, c]])


def rot_y(deg: float) -> np.ndarray:
    """(3, 3) rotation about ``y`` by ``deg`` degrees (right-hand rule)."""
    a = np.deg2rad(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0., s], [0., 1., 0.], [-s, 0., c]])


def rot_z(deg: float) -> np.ndarray:
    """(3, 3) rotation about ``z`` by ``deg`` degrees (right-hand rule)."""
    a = np.deg2rad(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, 0.], [s, c, 0.], [0., 0., 1.]])


def _unit(v) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    return v / np.linalg.norm(v)


# --------------------------------------------------------------------------
# Action priors
# --------------------------------------------------------------------------
AnglePrior = Callable[[np.random.Generator], Dict[str, float]]


def _uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


def _relaxed_body(rng: np.random.Generator) -> Dict[str, float]:
    """A near-neutral standing pose with small random deviations."""
    a = {
        'lower_back_flex': _uniform(rng, -5, 12),
        'lower_back_lat': _uniform(rng, -5, 5),
        'lower_back_twist': _uniform(rng, -10, 10),
        'upper_back_flex': _uniform(rng, -5, 10),
        'upper_back_lat': _uniform(rng, -5, 5),
        'upper_back_twist': _uniform(rng, -10, 10),
        'neck_flex': _uniform(rng, -15, 25),
        'neck_lat': _uniform(rng, -15, 15),
        'neck_twist': _uniform(rng, -45, 45),
    }
    for side in SIDES:
        a.update({
            f'{side}_hip_flex': _uniform(rng, -10, 15),
            f'{side}_hip_abd': _uniform(rng, -3, 15),
            f'{side}_hip_rot': _uniform(rng, -15, 20),
            f'{side}_knee_flex': _uniform(rng, 0, 15),
            f'{side}_ankle_flex': _uniform(rng, -5, 10),
            f'{side}_shoulder_flex': _uniform(rng, -20, 35),
            f'{side}_shoulder_abd': _uniform(rng, 3, 30),
            f'{side}_shoulder_rot': _uniform(rng, -30, 30),
            f'{side}_elbow_flex': _uniform(rng, 0, 60),
        })
    return a


def _standing(rng):
    return _relaxed_body(rng)


def _walking(rng):
    a = _relaxed_body(rng)
    phase = rng.uniform(0, 2 * np.pi)
    stride = rng.uniform(15, 35)
    for side, sign in (('right', 1.), ('left', -1.)):
        swing = sign * np.sin(phase)
        a[f'{side}_hip_flex'] = stride * swing + 5 + _uniform(rng, -5, 5)
        lag = 0. if side == 'right' else np.pi
        a[f'{side}_knee_flex'] = 5 + 50 * max(0., np.sin(phase + lag + .8))
        a[f'{side}_shoulder_flex'] = -0.8 * stride * swing + _uniform(
            rng, -5, 10)
        a[f'{side}_elbow_flex'] = _uniform(rng, 10, 50)
    return a


def _reaching(rng):
    a = _relaxed_body(rng)
    arms = [SIDES[int(rng.integers(2))]] if rng.uniform() < .5 else SIDES
    for side in arms:
        if rng.uniform() < .5:
            a[f'{side}_shoulder_flex'] = _uniform(rng, 60, 170)
            a[f'{side}_shoulder_abd'] = _uniform(rng, 0, 40)
        else:
            a[f'{side}_shoulder_flex'] = _uniform(rng, -10, 40)
            a[f'{side}_shoulder_abd'] = _uniform(rng, 60, 160)
        a[f'{side}_elbow_flex'] = _uniform(rng, 0, 70)
        a[f'{side}_shoulder_rot'] = _uniform(rng, -60, 60)
    return a


def _squatting(rng):
    a = _relaxed_body(rng)
    depth = rng.uniform(50, 110)
    a['lower_back_flex'] = _uniform(rng, 0, 35)
    a['upper_back_flex'] = _uniform(rng, 0, 20)
    for side in SIDES:
        a[f'{side}_hip_flex'] = depth + _uniform(rng, -10, 10)
        a[f'{side}_hip_abd'] = _uniform(rng, 0, 30)
        a[f'{side}_knee_flex'] = depth + _uniform(rng, 0, 30)
        a[f'{side}_ankle_flex'] = _uniform(rng, 5, 30)
        a[f'{side}_shoulder_flex'] = _uniform(rng, 0, 100)
        a[f'{side}_elbow_flex'] = _uniform(rng, 0, 110)
    return a


def _bending(rng):
    a = _relaxed_body(rng)
    a['lower_back_flex'] = _uniform(rng, 20, 45)
    a['upper_back_flex'] = _uniform(rng, 10, 35)
    a['neck_flex'] = _uniform(rng, -40, 20)
    for side in SIDES:
        a[f'{side}_hip_flex'] = _uniform(rng, 20, 80)
        a[f'{side}_knee_flex'] = _uniform(rng, 0, 40)
        a[f'{side}_shoulder_flex'] = _uniform(rng, 0, 110)
        a[f'{side}_elbow_flex'] = _uniform(rng, 0, 90)
    return a


def _balancing(rng):
    a = _relaxed_body(rng)
    side = SIDES[int(rng.integers(2))]
    if rng.uniform() < .6:
        a[f'{side}_hip_flex'] = _uniform(rng, 30, 110)
        a[f'{side}_knee_flex'] = _uniform(rng, 0, 130)
    else:
        a[f'{side}_hip_abd'] = _uniform(rng, 20, 45)
        a[f'{side}_knee_flex'] = _uniform(rng, 0, 60)
    for arm in SIDES:
        a[f'{arm}_shoulder_abd'] = _uniform(rng, 20, 120)
        a[f'{arm}_elbow_flex'] = _uniform(rng, 0, 60)
    return a


def _free(rng):
    return {n: _uniform(rng, *_limit(n)) for n in angle_names()}


#: Action name -> angle prior. Names contain neither ``_`` nor ``.`` so they
#: parse inside Human3.6M image names (``S1_Walking.91000001_000001.jpg``).
ACTION_PRIORS: Dict[str, AnglePrior] = {
    'Standing': _standing,
    'Walking': _walking,
    'Reaching': _reaching,
    'Squatting': _squatting,
    'Bending': _bending,
    'Balancing': _balancing,
    'Free': _free,
}
ACTIONS: Tuple[str, ...] = tuple(ACTION_PRIORS)


def sample_joint_angles(rng: np.random.Generator,
                        action: str) -> Dict[str, float]:
    """Sample joint angles for one figure.

    Args:
        rng (np.random.Generator): source of randomness.
        action (str): one of :data:`ACTIONS`.

    Returns:
        dict: angle name -> degrees, clipped to :data:`ANATOMICAL_LIMITS`, plus
        the global orientation ``yaw`` (any), ``pitch`` and ``roll`` (small).
    """
    if action not in ACTION_PRIORS:
        raise ValueError(f'unknown action {action!r}; expected one of '
                         f'{list(ACTION_PRIORS)}')
    angles = ACTION_PRIORS[action](rng)
    angles = {n: float(np.clip(v, *_limit(n))) for n, v in angles.items()}
    tilt = 20. if action == 'Free' else 8.
    angles['yaw'] = float(rng.uniform(-180., 180.))
    angles['pitch'] = float(rng.uniform(-tilt, tilt))
    angles['roll'] = float(rng.uniform(-tilt, tilt))
    return angles


def sample_bone_lengths(rng: np.random.Generator,
                        tolerance: float = BONE_LENGTH_TOLERANCE
                        ) -> np.ndarray:
    """Adult bone lengths with per-figure variation.

    A global body-size factor and a per-bone factor (the same for the left and
    right bone of a pair) multiply the nominal lengths; their sum stays within
    ``±tolerance``.

    Args:
        rng (np.random.Generator): source of randomness.
        tolerance (float): maximum relative deviation from the nominal length.

    Returns:
        np.ndarray: (17,) metres, entry ``j`` is the bone ``parent[j] -> j``.
    """
    if not 0 <= tolerance < 1:
        raise ValueError(f'tolerance must be in [0, 1), got {tolerance}')
    size = rng.uniform(-0.7 * tolerance, 0.7 * tolerance)
    factor = np.ones(NUM_H36M_JOINTS)
    for name in ('hip', 'knee', 'foot', 'shoulder', 'elbow', 'wrist'):
        jitter = rng.uniform(-0.3 * tolerance, 0.3 * tolerance)
        factor[H36M_INDEX['right_' + name]] = 1 + size + jitter
        factor[H36M_INDEX['left_' + name]] = 1 + size + jitter
    for name in ('spine', 'thorax', 'neck_base', 'head'):
        factor[H36M_INDEX[name]] = 1 + size + rng.uniform(
            -0.3 * tolerance, 0.3 * tolerance)
    return nominal_bone_lengths() * factor


# --------------------------------------------------------------------------
# Forward kinematics
# --------------------------------------------------------------------------
@dataclass
class PosedSkeleton:
    """A posed figure in world coordinates (metres, ``z`` up, floor ``z=0``).

    Attributes:
        joints (np.ndarray): (17, 3) Human3.6M joints.
        bone_lengths (np.ndarray): (17,) the lengths used (``parent -> j``).
        angles (dict): the joint angles (degrees) used.
        body_scale (float): mean relative bone length (1 = nominal adult).
        pelvis_frame (np.ndarray): (3, 3) columns = right, forward, up axes.
        lower_back_frame (np.ndarray): (3, 3) frame of the root->spine segment.
        chest_frame (np.ndarray): (3, 3) frame of the spine->thorax segment.
        head_frame (np.ndarray): (3, 3) frame of the neck and head.
        head_center (np.ndarray): (3,) centre of the head sphere.
        head_radius (float): metres.
        toes (np.ndarray): (2, 3) tip of the right and left foot (render only).
        finger_tips (np.ndarray): (2, 3) tip of the right and left hand.
        face_points (np.ndarray): (5, 3) COCO nose, eyes, ears on the head.
        face_normals (np.ndarray): (5, 3) outward unit normals of the head
            sphere at ``face_points``.
    """
    joints: np.ndarray
    bone_lengths: np.ndarray
    angles: Dict[str, float]
    body_scale: float
    pelvis_frame: np.ndarray
    lower_back_frame: np.ndarray
    chest_frame: np.ndarray
    head_frame: np.ndarray
    head_center: np.ndarray
    head_radius: float
    toes: np.ndarray
    finger_tips: np.ndarray
    face_points: np.ndarray
    face_normals: np.ndarray
    extra: Dict[str, np.ndarray] = field(default_factory=dict)

    def translated(self, offset: np.ndarray) -> 'PosedSkeleton':
        """A copy moved by ``offset`` ((3,) metres)."""
        offset = np.asarray(offset, dtype=np.float64).reshape(3)
        return PosedSkeleton(
            joints=self.joints + offset,
            bone_lengths=self.bone_lengths.copy(),
            angles=dict(self.angles),
            body_scale=self.body_scale,
            pelvis_frame=self.pelvis_frame.copy(),
            lower_back_frame=self.lower_back_frame.copy(),
            chest_frame=self.chest_frame.copy(),
            head_frame=self.head_frame.copy(),
            head_center=self.head_center + offset,
            head_radius=self.head_radius,
            toes=self.toes + offset,
            finger_tips=self.finger_tips + offset,
            face_points=self.face_points + offset,
            face_normals=self.face_normals.copy(),
            extra={k: v + offset
                   for k, v in self.extra.items()})


#: Rest directions (body frame) of the fixed offsets.
_HIP_DIR = _unit([1.0, 0.0, -0.3])  # root -> right hip (x mirrored for left)
_SHOULDER_DIR = _unit([0.93, 0.0, -0.37])  # thorax -> right shoulder
_NECK_DIR = _unit([0.0, 0.25, 0.97])  # thorax -> neck_base
_HEAD_DIR = _unit([0.0, -0.1, 1.0])  # neck_base -> head
_DOWN = np.array([0., 0., -1.])
_UP = np.array([0., 0., 1.])


def forward_kinematics(angles: Dict[str, float],
                       bone_lengths: np.ndarray) -> PosedSkeleton:
    """Pose the skeleton.

    The root is placed at ``(0, 0, h)`` with ``h`` such that the lowest foot
    stands on the floor (or the lowest point of a crouched body touches it).

    Args:
        angles (dict): output of :func:`sample_joint_angles`.
        bone_lengths (np.ndarray): (17,) metres.

    Returns:
        PosedSkeleton: joints and render geometry in world coordinates.
    """
    L = np.asarray(bone_lengths, dtype=np.float64)
    if L.shape != (NUM_H36M_JOINTS, ):
        raise ValueError(f'bone_lengths must have shape (17,), got {L.shape}')
    missing = set(angle_names()) - set(angles)
    if missing:
        raise KeyError(f'angles miss {sorted(missing)}')
    idx = H36M_INDEX
    scale = float(np.mean(L[1:] / nominal_bone_lengths()[1:]))
    J = np.zeros((NUM_H36M_JOINTS, 3))

    R0 = rot_z(angles['yaw']) @ rot_x(angles['pitch']) @ rot_y(angles['roll'])

    toes, fingers = np.zeros((2, 3)), np.zeros((2, 3))
    for k, (side, sgn) in enumerate((('right', 1.), ('left', -1.))):
        hip, knee, foot = (idx[f'{side}_hip'], idx[f'{side}_knee'],
                           idx[f'{side}_foot'])
        J[hip] = R0 @ (L[hip] * _HIP_DIR * [sgn, 1., 1.])
        R_thigh = (R0 @ rot_y(-sgn * angles[f'{side}_hip_abd'])
                   @ rot_x(angles[f'{side}_hip_flex'])
                   @ rot_z(sgn * angles[f'{side}_hip_rot']))
        J[knee] = J[hip] + R_thigh @ (L[knee] * _DOWN)
        R_shin = R_thigh @ rot_x(-angles[f'{side}_knee_flex'])
        J[foot] = J[knee] + R_shin @ (L[foot] * _DOWN)
        R_foot = R_shin @ rot_x(angles[f'{side}_ankle_flex'])
        toes[k] = J[foot] + R_foot @ (scale * np.array([0., 0.17, -0.06]))

    R_low = (R0 @ rot_z(angles['lower_back_twist'])
             @ rot_x(-angles['lower_back_flex'])
             @ rot_y(angles['lower_back_lat']))
    J[idx['spine']] = R_low @ (L[idx['spine']] * _UP)
    R_chest = (R_low @ rot_z(angles['upper_back_twist'])
               @ rot_x(-angles['upper_back_flex'])
               @ rot_y(angles['upper_back_lat']))
    J[idx['thorax']] = J[idx['spine']] + R_chest @ (L[idx['thorax']] * _UP)
    R_head = (R_chest @ rot_z(angles['neck_twist'])
              @ rot_x(-angles['neck_flex']) @ rot_y(angles['neck_lat']))
    J[idx['neck_base']] = J[idx['thorax']] + R_head @ (L[idx['neck_base']] *
                                                       _NECK_DIR)
    J[idx['head']] = J[idx['neck_base']] + R_head @ (L[idx['head']] *
                                                     _HEAD_DIR)

    for k, (side, sgn) in enumerate((('right', 1.), ('left', -1.))):
        sh, el, wr = (idx[f'{side}_shoulder'], idx[f'{side}_elbow'],
                      idx[f'{side}_wrist'])
        J[sh] = J[idx['thorax']] + R_chest @ (L[sh] * _SHOULDER_DIR *
                                              [sgn, 1., 1.])
        R_upper = (R_chest @ rot_y(-sgn * angles[f'{side}_shoulder_abd'])
                   @ rot_x(angles[f'{side}_shoulder_flex'])
                   @ rot_z(sgn * angles[f'{side}_shoulder_rot']))
        J[el] = J[sh] + R_upper @ (L[el] * _DOWN)
        R_fore = R_upper @ rot_x(angles[f'{side}_elbow_flex'])
        J[wr] = J[el] + R_fore @ (L[wr] * _DOWN)
        fingers[k] = J[wr] + R_fore @ (scale * 0.09 * _DOWN)

    # Head sphere between neck_base and head joint, slightly towards the back.
    head_radius = 0.105 * scale
    head_center = (0.5 * (J[idx['neck_base']] + J[idx['head']]) +
                   R_head @ np.array([0., -0.02 * scale, 0.]))
    right, fwd, up = R_head[:, 0], R_head[:, 1], R_head[:, 2]
    normals = np.stack([
        fwd,  # nose
        _unit(0.85 * fwd + 0.30 * up - 0.38 * right),  # left eye
        _unit(0.85 * fwd + 0.30 * up + 0.38 * right),  # right eye
        _unit(-right - 0.10 * fwd),  # left ear
        _unit(right - 0.10 * fwd),  # right ear
    ])
    assert len(normals) == len(COCO_FACE_NAMES)
    face_points = head_center + head_radius * normals

    # Stand on the floor: feet at ankle height, or the lowest body point at 0.
    ankles = J[[idx['right_foot'], idx['left_foot']], 2]
    lowest = np.concatenate([J[:, 2], toes[:, 2], fingers[:, 2]])
    lift = max(0.08 * scale - ankles.min(), 0.04 - lowest.min(),
               0.03 - (head_center[2] - head_radius))
    offset = np.array([0., 0., lift])

    pose = PosedSkeleton(
        joints=J,
        bone_lengths=L.copy(),
        angles=dict(angles),
        body_scale=scale,
        pelvis_frame=R0,
        lower_back_frame=R_low,
        chest_frame=R_chest,
        head_frame=R_head,
        head_center=head_center,
        head_radius=head_radius,
        toes=toes,
        finger_tips=fingers,
        face_points=face_points,
        face_normals=normals)
    return pose.translated(offset)


def sample_posed_skeleton(rng: np.random.Generator,
                          action: str) -> PosedSkeleton:
    """Sample bone lengths and joint angles for ``action`` and pose them."""
    bone_lengths = sample_bone_lengths(rng)
    angles = sample_joint_angles(rng, action)
    return forward_kinematics(angles, bone_lengths)
