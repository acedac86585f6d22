"""The figure's volume and appearance: capsule limbs, hull torso, sphere head.

A posed skeleton (:class:`.kinematics.PosedSkeleton`) is dressed into a list of
:class:`BodyPart` primitives in world coordinates, each with a base colour from
the figure's :class:`Palette`. Left limbs take a colour from a warm hue band,
right limbs from a cool band, so the two sides stay distinguishable; shades,
torso, skin and hair colours are random per figure.
"""
import colorsys
from dataclasses import dataclass
from typing import Dict, List, Tuple

import numpy as np

from .kinematics import PosedSkeleton
from .skeleton import H36M_INDEX, NUM_H36M_JOINTS

Color = Tuple[int, int, int]  # BGR, uint8 range

#: Hue bands (degrees) of the left and right body side.
LEFT_HUES = (0., 50.)
RIGHT_HUES = (180., 250.)

_SKIN_TONES = ((224, 236, 255), (176, 206, 241), (128, 170, 224),
               (90, 135, 198), (60, 95, 141), (40, 60, 92))  # BGR


def _hsv_to_bgr(h_deg: float, s: float, v: float) -> Color:
    r, g, b = colorsys.hsv_to_rgb((h_deg % 360.) / 360., s, v)
    return (int(round(255 * b)), int(round(255 * g)), int(round(255 * r)))


@dataclass(frozen=True)
class Palette:
    """Per-figure colours (BGR).

    Attributes:
        left_arm, left_leg, right_arm, right_leg, torso, skin, hair, eyes.
    """
    left_arm: Color
    left_leg: Color
    right_arm: Color
    right_leg: Color
    torso: Color
    skin: Color
    hair: Color
    eyes: Color


def sample_palette(rng: np.random.Generator) -> Palette:
    """Random colours, with side hues kept inside :data:`LEFT_HUES` and
    :data:`RIGHT_HUES`."""

    def side_colors(hues):
        h = rng.uniform(*hues)
        s = rng.uniform(0.55, 1.0)
        v = rng.uniform(0.65, 1.0)
        return (_hsv_to_bgr(h, s, v),
                _hsv_to_bgr(h + rng.uniform(-10, 10), s, v * rng.uniform(
                    0.6, 0.85)))

    left_arm, left_leg = side_colors(LEFT_HUES)
    right_arm, right_leg = side_colors(RIGHT_HUES)
    torso = _hsv_to_bgr(
        rng.uniform(0, 360), rng.uniform(0.1, 0.7), rng.uniform(0.3, 0.9))
    base = np.array(_SKIN_TONES[int(rng.integers(len(_SKIN_TONES)))], float)
    skin = tuple(int(c) for c in np.clip(base + rng.uniform(-12, 12, 3), 0,
                                         255))
    hair = _hsv_to_bgr(
        rng.uniform(0, 50), rng.uniform(0.2, 0.8), rng.uniform(0.05, 0.45))
    return Palette(left_arm, left_leg, right_arm, right_leg, torso, skin, hair,
                   (30, 20, 20))


@dataclass
class BodyPart:
    """One drawable primitive in world coordinates.

    Attributes:
        name (str): e.g. ``'left_forearm'``.
        kind (str): ``'capsule'`` (two end points with radii), ``'sphere'``
            (centre with radius) or ``'hull'`` (convex hull of points).
        points (np.ndarray): (2, 3) capsule ends, (1, 3) sphere centre or
            (M, 3) hull cage, metres.
        radii (np.ndarray): (2,) capsule end radii, (1,) sphere radius, (0,)
            for a hull; metres.
        color (tuple): base BGR colour.
        joints (tuple): Human3.6M joints that lie on this part.
    """
    name: str
    kind: str
    points: np.ndarray
    radii: np.ndarray
    color: Color
    joints: Tuple[int, ...]


#: (name, start joint, end point, start radius, end radius) of the limbs; the
#: end point is a joint name or ``toe`` / ``finger`` (render-only points).
_LIMBS = (
    ('thigh', 'hip', 'knee', 0.080, 0.055),
    ('shin', 'knee', 'foot', 0.055, 0.040),
    ('foot', 'foot', 'toe', 0.040, 0.030),
    ('upper_arm', 'shoulder', 'elbow', 0.050, 0.040),
    ('forearm', 'elbow', 'wrist', 0.040, 0.032),
    ('hand', 'wrist', 'finger', 0.036, 0.030),
)
_LEG_LIMBS = ('thigh', 'shin', 'foot')


def build_body_parts(pose: PosedSkeleton, palette: Palette,
                     build: float = 1.0) -> List[BodyPart]:
    """Dress a posed skeleton into drawable parts.

    Args:
        pose (PosedSkeleton): world-coordinate skeleton.
        palette (Palette): colours.
        build (float): thickness factor of limbs and torso (1 = average).

    Returns:
        list[BodyPart]: torso (abdomen, chest), neck, head and twelve limb
        parts, in a fixed order (the label of part ``i`` is ``i + 1``).
    """
    J = pose.joints
    idx = H36M_INDEX
    k = pose.body_scale * build
    parts: List[BodyPart] = []

    def cage(points, depth_axis, depth):
        points = np.asarray(points)
        return np.concatenate(
            [points + depth * depth_axis, points - depth * depth_axis])

    # Abdomen / pelvis: hips, root (lowered), spine-level sides.
    low_r, low_f = pose.lower_back_frame[:, 0], pose.lower_back_frame[:, 1]
    pel_r, pel_u = pose.pelvis_frame[:, 0], pose.pelvis_frame[:, 2]
    abdomen = cage([
        J[idx['root']] - 0.07 * k * pel_u,
        J[idx['right_hip']], J[idx['right_hip']] + 0.04 * k * pel_r,
        J[idx['left_hip']], J[idx['left_hip']] - 0.04 * k * pel_r,
        J[idx['spine']] + 0.13 * k * low_r, J[idx['spine']] - 0.13 * k * low_r,
        J[idx['root']]
    ], low_f, 0.09 * k)
    parts.append(
        BodyPart('abdomen', 'hull', abdomen, np.zeros(0), palette.torso,
                 (idx['root'], idx['right_hip'], idx['left_hip'],
                  idx['spine'])))

    # Chest: spine-level sides, shoulders (raised, widened), thorax.
    ch_r, ch_f, ch_u = (pose.chest_frame[:, 0], pose.chest_frame[:, 1],
                        pose.chest_frame[:, 2])
    chest = cage([
        J[idx['spine']] + 0.13 * k * ch_r, J[idx['spine']] - 0.13 * k * ch_r,
        J[idx['right_shoulder']] + 0.03 * k * (ch_r + ch_u),
        J[idx['left_shoulder']] + 0.03 * k * (ch_u - ch_r),
        J[idx['right_shoulder']], J[idx['left_shoulder']], J[idx['thorax']],
        J[idx['spine']]
    ], ch_f, 0.10 * k)
    parts.append(
        BodyPart('chest', 'hull', chest, np.zeros(0), palette.torso,
                 (idx['spine'], idx['thorax'], idx['right_shoulder'],
                  idx['left_shoulder'])))

    parts.append(
        BodyPart('neck', 'capsule',
                 np.stack([J[idx['thorax']], J[idx['neck_base']]]),
                 np.array([0.055, 0.045]) * k, palette.skin,
                 (idx['thorax'], idx['neck_base'])))
    parts.append(
        BodyPart('head', 'sphere', pose.head_center[None],
                 np.array([pose.head_radius]), palette.hair,
                 (idx['neck_base'], idx['head'])))

    extra_ends: Dict[str, np.ndarray] = {
        'right_toe': pose.toes[0],
        'left_toe': pose.toes[1],
        'right_finger': pose.finger_tips[0],
        'left_finger': pose.finger_tips[1],
    }
    for side in ('left', 'right'):
        for name, start, end, r0, r1 in _LIMBS:
            a = J[idx[f'{side}_{start}']]
            end_key = f'{side}_{end}'
            b = J[idx[end_key]] if end_key in idx else extra_ends[end_key]
            joints = tuple(idx[j] for j in (f'{side}_{start}', end_key)
                           if j in idx)
            if name == 'hand':
                color = palette.skin
            elif name in _LEG_LIMBS:
                color = getattr(palette, f'{side}_leg')
            else:
                color = getattr(palette, f'{side}_arm')
            parts.append(
                BodyPart(f'{side}_{name}', 'capsule', np.stack([a, b]),
                         np.array([r0, r1]) * k, color, joints))
    return parts


def joint_to_part_labels(parts: List[BodyPart]) -> List[Tuple[int, ...]]:
    """For every Human3.6M joint, the labels (part index + 1) it lies on.

    Returns:
        list[tuple[int, ...]]: 17 entries.
    """
    table: List[List[int]] = [[] for _ in range(NUM_H36M_JOINTS)]
    for i, part in enumerate(parts):
        for j in part.joints:
            table[j].append(i + 1)
    missing = [j for j, labels in enumerate(table) if not labels]
    if missing:
        raise RuntimeError(f'joints {missing} lie on no body part')
    return [tuple(labels) for labels in table]
