"""Cameras (MMPose convention) and the depth-ordered renderer."""
import os.path as osp
import pickle

import numpy as np
import pytest

from mmposenas.datasets.synthetic.body import (build_body_parts,
                                               joint_to_part_labels,
                                               sample_palette)
from mmposenas.datasets.synthetic.camera import (PinholeCamera,
                                                 look_at_rotation,
                                                 sample_camera_rig)
from mmposenas.datasets.synthetic.kinematics import (angle_names,
                                                     forward_kinematics,
                                                     sample_posed_skeleton)
from mmposenas.datasets.synthetic.renderer import render_figure
from mmposenas.datasets.synthetic.skeleton import (H36M_INDEX,
                                                   nominal_bone_lengths)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
H36M_SAMPLES = osp.join(REPO, 'data', 'samples', 'h36m')
GREEN = (0, 255, 0)


def _camera(eye, target, size=256):
    eye = np.asarray(eye, float)
    return PinholeCamera(
        R=look_at_rotation(eye, target), T=eye[:, None],
        f=np.array([[300.], [300.]]), c=np.array([[size / 2], [size / 2]]),
        w=size, h=size, name='camera1', id='91000001')


def test_projection_matches_mmpose_simple_camera():
    from mmpose.utils.camera import SimpleCamera
    rng = np.random.default_rng(0)
    cam = sample_camera_rig(rng, 4, (320, 240))[2]
    ref = SimpleCamera(cam.to_mmpose_dict())
    X = rng.uniform(-1, 1, (17, 3)) + [0, 0, 1]
    np.testing.assert_allclose(cam.world_to_camera(X),
                               ref.world_to_camera(X), atol=1e-5)
    Xc = cam.world_to_camera(X)
    np.testing.assert_allclose(cam.camera_to_pixel(Xc),
                               ref.camera_to_pixel(Xc), atol=1e-3)
    np.testing.assert_allclose(cam.camera_to_world(Xc), X, atol=1e-12)


@pytest.mark.skipif(not osp.isdir(H36M_SAMPLES),
                    reason='data/samples/h36m not in this checkout')
def test_extrinsics_convention_matches_real_human36m_sample():
    """The real cameras.pkl maps the world joints of h36m_coco.json onto the
    camera-frame joints of test_h36m_body3d.npz with our convention."""
    import json
    with open(osp.join(H36M_SAMPLES, 'cameras.pkl'), 'rb') as f:
        cams = pickle.load(f)
    with open(osp.join(H36M_SAMPLES, 'h36m_coco.json')) as f:
        coco = json.load(f)
    npz = np.load(osp.join(H36M_SAMPLES, 'test_h36m_body3d.npz'))
    names = {osp.basename(n): i for i, n in enumerate(npz['imgname'])}
    images = {im['id']: im['file_name'] for im in coco['images']}
    checked = 0
    for ann in coco['annotations']:
        name = images[ann['image_id']]
        if name not in names:
            continue
        subj, rest = name.split('_', 1)
        cam_id = rest.split('.', 1)[1].split('_', 1)[0]
        p = cams[(subj, cam_id)]
        cam = PinholeCamera(R=p['R'], T=p['T'], f=p['f'], c=p['c'], w=p['w'],
                            h=p['h'], name=p['name'], id=p['id'])
        world = np.array(ann['keypoints_3d']).reshape(17, 4)[:, :3]
        np.testing.assert_allclose(
            cam.world_to_camera(world), npz['S'][names[name], :, :3],
            atol=1e-5)
        checked += 1
    assert checked == 4


def test_rig_cameras_look_at_the_capture_area():
    cams = sample_camera_rig(np.random.default_rng(3), 4, (256, 256))
    assert len({c.id for c in cams}) == 4
    for cam in cams:
        np.testing.assert_allclose(cam.R.T @ cam.R, np.eye(3), atol=1e-12)
        assert np.linalg.det(cam.R) == pytest.approx(1.0)
        centre = cam.world_to_camera(np.array([0., 0., 0.9]))
        assert 4.0 < centre[2] < 6.0
        u, v = cam.camera_to_pixel(centre)
        assert 64 < u < 192 and 64 < v < 192


def _render(pose, cam, rng, **kw):
    palette = sample_palette(rng)
    parts = build_body_parts(pose, palette)
    background = np.zeros((cam.h, cam.w, 3), np.uint8)
    background[:] = GREEN
    out = render_figure(parts, pose, palette, cam, background, rng,
                        noise_std=0., blur_prob=0., **kw)
    return out, parts


def _distance_to_shades(pixel, colors):
    """Distance of a pixel to the segments between any two drawn shades
    (anti-aliasing blends neighbouring shading layers)."""
    cols = np.asarray(colors, float)
    best = np.inf
    for a in cols:
        for b in cols:
            d = b - a
            t = 0. if not d.any() else np.clip((pixel - a) @ d / (d @ d), 0,
                                                  1)
            best = min(best, np.linalg.norm(pixel - (a + t * d)))
    return best


def test_visible_joints_lie_on_their_limb_pixels():
    rng = np.random.default_rng(4)
    cams = sample_camera_rig(rng, 4, (256, 256))
    n_visible = n_color_ok = 0
    for k in range(6):
        pose = sample_posed_skeleton(rng, 'Walking' if k % 2 else 'Free')
        for cam in cams:
            out, parts = _render(pose, cam, rng)
            incident = joint_to_part_labels(parts)
            xy = np.round(out.joints_2d).astype(int)
            for j in np.flatnonzero(out.joints_visible):
                x, y = xy[j]
                assert out.labels[y, x] in incident[j]
                pixel = out.image[y, x].astype(float)
                assert tuple(out.image[y, x]) != GREEN, j
                colors = sum((out.part_colors[label]
                              for label in incident[j]), [])
                n_visible += 1
                n_color_ok += _distance_to_shades(pixel, colors) < 25
            # invisible joints inside the frame are covered by another part
            for j in np.flatnonzero(out.joints_in_frame &
                                    ~out.joints_visible):
                x, y = xy[j]
                assert out.labels[y, x] not in incident[j]
    assert n_visible > 200
    assert n_color_ok / n_visible > 0.97, (n_color_ok, n_visible)


def test_depth_order_hides_an_arm_behind_the_torso():
    angles = {n: 0.0 for n in angle_names()}
    angles.update(yaw=0., pitch=0., roll=0., right_shoulder_flex=90.)
    pose = forward_kinematics(angles, nominal_bone_lengths())
    chest = pose.joints[H36M_INDEX['thorax']] * [1, 1, 0.93]
    wrist = H36M_INDEX['right_wrist']
    front = _camera(chest + [0., 4., 0.], chest)  # figure faces +y
    back = _camera(chest + [0., -4., 0.], chest)
    rng = np.random.default_rng(5)
    out_front, _ = _render(pose, front, rng)
    out_back, _ = _render(pose, back, rng)
    assert out_front.joints_visible[wrist]
    assert out_back.joints_in_frame[wrist]
    assert not out_back.joints_visible[wrist]
    # the face is seen from the front only
    assert out_front.coco_visible[0] and not out_back.coco_visible[0]


def test_occluders_hide_joints():
    rng = np.random.default_rng(6)
    cam = sample_camera_rig(rng, 1, (256, 256))[0]
    hidden = 0
    for _ in range(20):
        pose = sample_posed_skeleton(rng, 'Standing')
        out, _ = _render(pose, cam, rng, occluder_prob=1.0)
        assert (out.labels == 255).any()
        xy = np.round(out.joints_2d).astype(int)
        under = out.labels[xy[:, 1], xy[:, 0]]
        assert not out.joints_visible[under == 255].any()
        hidden += int((under == 255).sum())
    assert hidden > 0
