"""Painter's-algorithm rendering of a dressed figure with OpenCV.

Parts are projected with the camera, sorted far to near by their mean depth and
filled with anti-aliased OpenCV primitives (sub-pixel coordinates): capsules
(two discs and the quad between them) in three shading layers lit from a random
image-plane direction, convex hulls for the torso, a shaded sphere with a face
ellipse, eyes, nose and ears for the head. A label image is drawn in the same
order, so a joint is *visible* when the label under it is a part the joint lies
on — self-occlusion and occluders hide joints exactly as they hide pixels.
"""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from .body import BodyPart, Color, Palette, joint_to_part_labels
from .camera import PinholeCamera
from .kinematics import PosedSkeleton
from .skeleton import (COCO_FACE_NAMES, NUM_COCO_KEYPOINTS, NUM_H36M_JOINTS,
                       coco_index_from_h36m)

_SHIFT = 4  # OpenCV fractional bits for sub-pixel drawing
_ONE = 1 << _SHIFT
OCCLUDER_LABEL = 255
BACKGROUND_LABEL = 0

#: (radius factor, perpendicular offset towards the light in radii, shade).
#: Shade < 1 darkens the base colour, > 1 blends it towards white.
_SHADING_LAYERS = ((1.00, 0.00, 0.55), (0.78, 0.18, 1.00), (0.36, 0.42, 1.45))

#: Face-point visibility thresholds on cos(normal, direction to camera).
_FACE_FACING_MIN = {'nose': 0.05, 'left_eye': 0.05, 'right_eye': 0.05,
                    'left_ear': -0.25, 'right_ear': -0.25}
_FACE_CAP_DEG = 65.  # half-angle of the face region on the head sphere


def shade(color: Color, factor: float) -> Color:
    """Darken (``factor < 1``) or lighten (``factor > 1``) a BGR colour."""
    c = np.asarray(color, np.float64)
    if factor <= 1:
        out = c * factor
    else:
        out = c + (255. - c) * min(factor - 1., 1.)
    return tuple(int(round(v)) for v in np.clip(out, 0, 255))


def _fixed(points: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(points) * _ONE).astype(np.int32)


def _fill_disc(canvas, center, radius, color, line_type):
    cv2.circle(canvas, tuple(int(v) for v in _fixed(center)),
               max(int(round(radius * _ONE)), 1), color, -1, line_type,
               _SHIFT)


def _fill_capsule(canvas, pa, pb, ra, rb, color, line_type):
    d = pb - pa
    n = float(np.hypot(*d))
    if n > 1e-6:
        perp = np.array([-d[1], d[0]]) / n
        quad = np.stack(
            [pa + perp * ra, pb + perp * rb, pb - perp * rb, pa - perp * ra])
        cv2.fillConvexPoly(canvas, _fixed(quad), color, line_type, _SHIFT)
    _fill_disc(canvas, pa, ra, color, line_type)
    _fill_disc(canvas, pb, rb, color, line_type)


def _fill_hull(canvas, hull, color, line_type):
    cv2.fillConvexPoly(canvas, _fixed(hull), color, line_type, _SHIFT)


@dataclass
class RenderedFigure:
    """The output of :func:`render_figure`.

    Attributes:
        image (np.ndarray): (H, W, 3) uint8 BGR.
        labels (np.ndarray): (H, W) uint8; 0 background, ``i + 1`` body part
            ``i``, 255 occluder.
        joints_cam (np.ndarray): (17, 3) Human3.6M joints, metres, camera
            frame.
        joints_2d (np.ndarray): (17, 2) their pixel coordinates.
        joints_in_frame (np.ndarray): (17,) bool.
        joints_visible (np.ndarray): (17,) bool, in frame and not hidden.
        coco_2d (np.ndarray): (17, 2) COCO keypoints, pixels.
        coco_in_frame (np.ndarray): (17,) bool.
        coco_visible (np.ndarray): (17,) bool.
        bbox (np.ndarray): (4,) ``x, y, w, h`` of the figure's silhouette
            (occluders ignored), pixels.
        area (float): silhouette area, pixels.
        part_colors (dict): label -> BGR colours drawn with that label.
    """
    image: np.ndarray
    labels: np.ndarray
    joints_cam: np.ndarray
    joints_2d: np.ndarray
    joints_in_frame: np.ndarray
    joints_visible: np.ndarray
    coco_2d: np.ndarray
    coco_in_frame: np.ndarray
    coco_visible: np.ndarray
    bbox: np.ndarray
    area: float
    part_colors: Dict[int, List[Color]] = field(default_factory=dict)


def _in_frame(points_2d: np.ndarray, w: int, h: int) -> np.ndarray:
    return ((points_2d[:, 0] >= 0) & (points_2d[:, 0] <= w - 1) &
            (points_2d[:, 1] >= 0) & (points_2d[:, 1] <= h - 1))


def _labels_at(labels: np.ndarray, points_2d: np.ndarray) -> np.ndarray:
    h, w = labels.shape
    xs = np.clip(np.round(points_2d[:, 0]).astype(int), 0, w - 1)
    ys = np.clip(np.round(points_2d[:, 1]).astype(int), 0, h - 1)
    return labels[ys, xs]


def _draw_occluders(image, labels, bbox, rng, count):
    x, y, w, h = bbox
    size = max(w, h)
    for _ in range(count):
        cx = x + rng.uniform(0, w)
        cy = y + rng.uniform(0, h)
        s = size * rng.uniform(0.15, 0.45)
        color = tuple(int(v) for v in rng.integers(0, 256, 3))
        kind = int(rng.integers(3))
        if kind == 0:  # rotated rectangle
            rect = ((cx, cy), (s * rng.uniform(0.3, 1.0), s),
                    rng.uniform(0, 180))
            poly = cv2.boxPoints(rect)
        elif kind == 1:  # ellipse as polygon
            t = np.linspace(0, 2 * np.pi, 24, endpoint=False)
            a, b = s / 2, s / 2 * rng.uniform(0.3, 1.0)
            rot = rng.uniform(0, np.pi)
            ex, ey = a * np.cos(t), b * np.sin(t)
            poly = np.stack([
                cx + ex * np.cos(rot) - ey * np.sin(rot),
                cy + ex * np.sin(rot) + ey * np.cos(rot)
            ], 1)
        else:  # random convex polygon
            pts = rng.uniform(-s / 2, s / 2, (6, 2)) + [cx, cy]
            poly = cv2.convexHull(pts.astype(np.float32))[:, 0]
        _fill_hull(image, poly, color, cv2.LINE_AA)
        if rng.uniform() < 0.5:
            inner = (poly - [cx, cy]) * 0.8 + [cx, cy]
            _fill_hull(image, inner, shade(color, rng.uniform(0.6, 1.4)),
                       cv2.LINE_AA)
        _fill_hull(labels, poly, OCCLUDER_LABEL, cv2.LINE_8)


def render_figure(parts: Sequence[BodyPart],
                  pose: PosedSkeleton,
                  palette: Palette,
                  camera: PinholeCamera,
                  background: np.ndarray,
                  rng: np.random.Generator,
                  occluder_prob: float = 0.0,
                  light_dir: Optional[Tuple[float, float]] = None,
                  noise_std: Optional[float] = None,
                  blur_prob: float = 0.3) -> RenderedFigure:
    """Render one figure seen by one camera.

    Args:
        parts (sequence[BodyPart]): from :func:`.body.build_body_parts`.
        pose (PosedSkeleton): the skeleton the parts were built from.
        palette (Palette): its colours (for the face).
        camera (PinholeCamera): the camera; the image is ``camera.h`` x
            ``camera.w``.
        background (np.ndarray): (h, w, 3) uint8 BGR, not modified.
        rng (np.random.Generator): for light, occluders and sensor noise.
        occluder_prob (float): probability of 1-2 random occluders in front
            of the figure.
        light_dir (tuple, optional): unit image-plane direction the light
            comes from; random (from above) if ``None``.
        noise_std (float, optional): std of additive sensor noise (grey
            levels); random in [0, 4] if ``None``.
        blur_prob (float): probability of a slight Gaussian blur.

    Returns:
        RenderedFigure
    """
    h, w = camera.h, camera.w
    if background.shape != (h, w, 3) or background.dtype != np.uint8:
        raise ValueError(f'background must be a ({h}, {w}, 3) uint8 image, '
                         f'got {background.shape} {background.dtype}')
    if light_dir is None:
        a = np.deg2rad(rng.uniform(-160, -20))
        light = np.array([np.cos(a), np.sin(a)])
    else:
        light = np.asarray(light_dir, np.float64)
        light = light / np.linalg.norm(light)
    image = background.copy()
    labels = np.zeros((h, w), np.uint8)
    part_colors: Dict[int, List[Color]] = {}

    # Project every part; sort far to near (stable on the part index).
    projected = []
    for i, part in enumerate(parts):
        cam_pts = camera.world_to_camera(part.points)
        if np.any(cam_pts[:, 2] <= 0.05):
            raise ValueError(f'part {part.name} is behind camera {camera.id}')
        px = camera.camera_to_pixel(cam_pts)
        radii_px = part.radii * camera.focal / cam_pts[:len(part.radii), 2]
        projected.append((float(cam_pts[:, 2].mean()), i, px, radii_px,
                          cam_pts))
    order = sorted(projected, key=lambda t: (-t[0], t[1]))

    for _, i, px, radii_px, cam_pts in order:
        part = parts[i]
        label = i + 1
        colors = part_colors.setdefault(label, [])
        if part.kind == 'capsule':
            pa, pb = px
            ra, rb = np.maximum(radii_px, 0.5)
            d = pb - pa
            n = float(np.hypot(*d))
            perp = np.array([-d[1], d[0]]) / n if n > 1e-6 else light
            off = perp * float(perp @ light)
            for k, (rf, of, sf) in enumerate(_SHADING_LAYERS):
                color = shade(part.color, sf)
                colors.append(color)
                _fill_capsule(image, pa + off * of * ra, pb + off * of * rb,
                              ra * rf, rb * rf, color, cv2.LINE_AA)
            _fill_capsule(labels, pa, pb, ra, rb, label, cv2.LINE_8)
        elif part.kind == 'sphere':
            center, r = px[0], max(float(radii_px[0]), 0.5)
            for rf, of, sf in _SHADING_LAYERS:
                color = shade(part.color, sf)
                colors.append(color)
                _fill_disc(image, center + light * of * r, r * rf, color,
                           cv2.LINE_AA)
            _fill_disc(labels, center, r, label, cv2.LINE_8)
            if part.name == 'head':
                colors.extend(
                    _draw_face(image, pose, palette, camera, r, light))
        elif part.kind == 'hull':
            hull = cv2.convexHull(px.astype(np.float32))[:, 0].astype(
                np.float64)
            centroid = hull.mean(0)
            extent = float(np.ptp(hull, axis=0).max())
            dark, base = shade(part.color, 0.6), part.color
            colors.extend([dark, base])
            _fill_hull(image, hull, dark, cv2.LINE_AA)
            inner = (hull - centroid) * 0.86 + centroid + light * 0.05 * extent
            _fill_hull(image, inner, base, cv2.LINE_AA)
            _fill_hull(labels, hull, label, cv2.LINE_8)
        else:
            raise ValueError(f'unknown part kind {part.kind!r}')

    # Silhouette box before occluders (amodal figure box, as a detector sees
    # the whole person).
    x, y, bw, bh = cv2.boundingRect((labels > 0).astype(np.uint8))
    bbox = np.array([x, y, bw, bh], np.float64)
    area = float(cv2.countNonZero(labels))
    if bw > 0 and rng.uniform() < occluder_prob:
        _draw_occluders(image, labels, (x, y, bw, bh), rng,
                        int(rng.integers(1, 3)))

    # Sensor: slight blur and noise.
    if noise_std is None:
        noise_std = float(rng.uniform(0, 4))
    if rng.uniform() < blur_prob:
        image = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.4, 0.9))
    if noise_std > 0:
        noise = rng.standard_normal(image.shape, dtype=np.float32)
        noise *= noise_std
        noise += image
        image = np.clip(noise, 0, 255, out=noise).astype(np.uint8)

    # Joint visibility from the label image.
    joints_cam = camera.world_to_camera(pose.joints)
    joints_2d = camera.camera_to_pixel(joints_cam)
    joints_in_frame = _in_frame(joints_2d, w, h)
    incident = joint_to_part_labels(list(parts))
    under = _labels_at(labels, joints_2d)
    joints_visible = joints_in_frame & np.array(
        [under[j] in incident[j] for j in range(NUM_H36M_JOINTS)])

    # COCO keypoints: limb joints copied, face points on the head sphere.
    coco_src = coco_index_from_h36m()
    face_cam = camera.world_to_camera(pose.face_points)
    face_2d = camera.camera_to_pixel(face_cam)
    coco_2d = np.zeros((NUM_COCO_KEYPOINTS, 2))
    coco_visible = np.zeros(NUM_COCO_KEYPOINTS, bool)
    head_label = 1 + [p.name for p in parts].index('head')
    face_labels = _labels_at(labels, face_2d)
    face_in = _in_frame(face_2d, w, h)
    normals_cam = pose.face_normals @ camera.R
    for k, src in enumerate(coco_src):
        if src >= 0:
            coco_2d[k] = joints_2d[src]
            coco_visible[k] = joints_visible[src]
    for f, name in enumerate(COCO_FACE_NAMES):
        k = f  # the face points are COCO keypoints 0..4
        to_cam = -face_cam[f] / np.linalg.norm(face_cam[f])
        facing = float(normals_cam[f] @ to_cam) > _FACE_FACING_MIN[name]
        coco_2d[k] = face_2d[f]
        coco_visible[k] = bool(face_in[f] and facing
                               and face_labels[f] == head_label)
    coco_in_frame = _in_frame(coco_2d, w, h)

    return RenderedFigure(
        image=image,
        labels=labels,
        joints_cam=joints_cam,
        joints_2d=joints_2d,
        joints_in_frame=joints_in_frame,
        joints_visible=joints_visible,
        coco_2d=coco_2d,
        coco_in_frame=coco_in_frame,
        coco_visible=coco_visible,
        bbox=bbox,
        area=area,
        part_colors=part_colors)


def _draw_face(image: np.ndarray, pose: PosedSkeleton, palette: Palette,
               camera: PinholeCamera, radius_px: float,
               light: np.ndarray) -> List[Color]:
    """Face ellipse, ears, eyes and nose on the already drawn head disc."""
    colors: List[Color] = []
    c_cam = camera.world_to_camera(pose.head_center)
    to_cam = -c_cam / np.linalg.norm(c_cam)
    R_cam = camera.R.T @ pose.head_frame  # head axes in the camera frame
    right, fwd = R_cam[:, 0], R_cam[:, 1]
    r = pose.head_radius
    skin = palette.skin

    # Ears first (they stick out at the sides and are partly covered by the
    # face when seen from the front).
    for sgn in (-1., 1.):
        ear_normal = sgn * right
        if ear_normal @ to_cam > -0.25:
            ear = camera.camera_to_pixel(c_cam + 0.95 * r * ear_normal)
            color = shade(skin, 0.8)
            colors.append(color)
            _fill_disc(image, ear, 0.22 * radius_px, color, cv2.LINE_AA)

    facing = float(fwd @ to_cam)
    if facing <= 0:
        return colors
    cap = np.deg2rad(_FACE_CAP_DEG)
    center = camera.camera_to_pixel(c_cam + r * np.cos(cap) * fwd)
    tip = camera.camera_to_pixel(c_cam + r * fwd)
    d = tip - camera.camera_to_pixel(c_cam)
    angle = float(np.degrees(np.arctan2(d[1], d[0]))) if np.hypot(
        *d) > 1e-6 else 0.
    major = np.sin(cap) * radius_px
    minor = max(major * facing, 0.5)
    for sf, of in ((0.85, 0.0), (1.0, 0.12)):
        color = shade(skin, sf)
        colors.append(color)
        ctr = center + light * of * major
        scale = 1.0 if of == 0 else 0.85
        cv2.ellipse(image, tuple(int(v) for v in _fixed(ctr)),
                    (max(int(round(minor * scale * _ONE)), 1),
                     max(int(round(major * scale * _ONE)), 1)), angle, 0,
                    360, color, -1, cv2.LINE_AA, _SHIFT)
    # Eyes and nose.
    for f in (1, 2):
        if pose.face_normals[f] @ camera.R @ to_cam > 0.05:
            p = camera.camera_to_pixel(camera.world_to_camera(
                pose.face_points[f]))
            colors.append(palette.eyes)
            _fill_disc(image, p, max(0.13 * radius_px, 0.6), palette.eyes,
                       cv2.LINE_AA)
    if facing > 0.05:
        p = camera.camera_to_pixel(camera.world_to_camera(pose.face_points[0]))
        color = shade(skin, 0.7)
        colors.append(color)
        _fill_disc(image, p, max(0.12 * radius_px, 0.6), color, cv2.LINE_AA)
    return colors
