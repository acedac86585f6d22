"""Human36mImageDataset on the shipped H36M sample; mixed H36M + MPII data."""
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.registry import DATASETS

import mmposenas  # noqa: F401
from mmposenas.datasets.h36m_image_dataset import (H36M18_METAINFO,
                                                   H36M18_THORAX_INDEX,
                                                   MPII_TO_H36M18)


@pytest.fixture(autouse=True)
def _mmpose_scope():
    """Pipelines build MMPose transforms by name, as in MMPose's runner."""
    init_default_scope('mmpose')


H36M_ROOT = 'data/samples/h36m/'
SAMPLE_CFG = 'configs/_base_/datasets/h36m_mpii_sample_volumetric_64x64.py'


def _dataset(**kwargs):
    cfg = dict(
        type='Human36mImageDataset',
        data_root=H36M_ROOT,
        ann_file='test_h36m_body3d.npz',
        camera_param_file='cameras.pkl',
        data_prefix=dict(img=''),
        pipeline=[])
    cfg.update(kwargs)
    return DATASETS.build(cfg)


def test_samples_have_image_box_2d_and_root_relative_3d():
    ds = _dataset()
    assert len(ds) == 4
    assert ds.metainfo['num_keypoints'] == 18
    raw = np.load(osp.join(H36M_ROOT, 'test_h36m_body3d.npz'))
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        assert osp.isfile(info['img_path'])
        assert info['bbox'].shape == (1, 4)
        assert info['keypoints'].shape == (1, 18, 2)
        assert info['keypoints_3d'].shape == (1, 18, 3)
        np.testing.assert_array_equal(info['lifting_target'],
                                      info['keypoints_3d'])
        rel = info['keypoints_3d'][0]
        np.testing.assert_allclose(rel[0], 0, atol=1e-6)  # root-relative
        # millimetres: file metres * 1000, relative to the pelvis
        frame = raw['S'][info['img_id'], :, :3] * 1000
        np.testing.assert_allclose(rel[:17], frame - frame[0], atol=1e-2)
        np.testing.assert_allclose(info['root_cam'][0], frame[0], atol=1e-2)
        # the thorax is the shoulder midpoint, in 3D and 2D
        np.testing.assert_allclose(rel[H36M18_THORAX_INDEX],
                                   (rel[11] + rel[14]) / 2, atol=1e-3)
        # projected 2D agrees with the file's distorted 2D within a few px
        part = raw['part'][info['img_id'], :, :2]
        assert np.abs(info['keypoints'][0, :17] - part).max() < 3.0
        # the box contains all joints
        x1, y1, x2, y2 = info['bbox'][0]
        kp = info['keypoints'][0]
        assert (kp[:, 0] > x1).all() and (kp[:, 0] < x2).all()
        assert (kp[:, 1] > y1).all() and (kp[:, 1] < y2).all()
        assert info['subject'] in info['img_path']
        assert info['camera_param']['f'].shape == (2, 1)


def test_subject_and_frame_filters_for_the_protocols():
    assert len(_dataset(subjects=['S1', 'S5'])) == 2
    # every 64th frame by original frame number: only S1's frame 1 of
    # frames 1, 2061, 396 and 26
    ds = _dataset(frame_interval=64)
    assert [ds.get_data_info(i)['subject'] for i in range(len(ds))] == ['S1']
    # by position inside each video: each sample video has one frame
    assert len(_dataset(frame_interval=64, frame_interval_mode='index')) == 4
    with pytest.raises(ValueError, match=r"subjects \['S11'\].*'S1'"):
        _dataset(subjects=['S11'])


def test_seventeen_joints_and_bad_arguments():
    ds = _dataset(add_thorax=False)
    assert ds.metainfo['num_keypoints'] == 17
    assert ds.get_data_info(0)['keypoints_3d'].shape == (1, 17, 3)
    ann = _dataset(keypoints_2d_from='annotation')
    raw = np.load(osp.join(H36M_ROOT, 'test_h36m_body3d.npz'))
    info = ann.get_data_info(0)
    np.testing.assert_allclose(info['keypoints'][0, :17],
                               raw['part'][info['img_id'], :, :2], atol=1e-3)
    with pytest.raises(ValueError, match='camera_param_file'):
        _dataset(camera_param_file=None)
    with pytest.raises(ValueError, match='frame_interval_mode'):
        _dataset(frame_interval_mode='every')
    with pytest.raises(ValueError, match='Cannot read .*test_coco.json'):
        _dataset(data_root='data/samples/coco/', ann_file='test_coco.json')


def test_metainfo_config_matches_the_python_layout():
    cfg = Config.fromfile('configs/_base_/datasets/h36m18.py').dataset_info
    a = parse_pose_metainfo(cfg.to_dict())
    b = parse_pose_metainfo(H36M18_METAINFO)
    for key in ('keypoint_id2name', 'flip_indices', 'skeleton_links'):
        assert a[key] == b[key], key
    sample = Config.fromfile(SAMPLE_CFG)
    assert [tuple(m) for m in sample.mpii_to_h36m18] == MPII_TO_H36M18


def test_mixed_h36m_and_mpii_training_data():
    """CombinedDataset + KeypointConverter: 18 joints for both; MPII
    supervises x, y only."""
    cfg = Config.fromfile(SAMPLE_CFG)
    ds = DATASETS.build(cfg.train_dataloader.dataset)
    assert len(ds) == 4 + 5
    np.random.seed(0)
    for idx, is_h36m in [(0, True), (3, True), (4, False), (8, False)]:
        item = ds[idx]
        sample = item['data_samples']
        labels = sample.gt_instance_labels
        assert item['inputs'].shape == (3, 64, 64)
        assert labels.keypoint_labels.shape == (1, 18, 3)
        if is_h36m:
            assert labels.keypoint_depth_weights.sum() > 0
            assert sample.gt_instances.lifting_target.shape == (1, 18, 3)
            assert 'camera_param' in sample.metainfo
        else:
            assert labels.keypoint_depth_weights.sum() == 0
            assert labels.keypoint_weights.sum() > 0
            # spine (7) and neck_base (9) have no MPII counterpart
            assert labels.keypoint_weights[0, 7] == 0
            assert labels.keypoint_weights[0, 9] == 0
        assert len(sample.metainfo['flip_indices']) == 18


@pytest.mark.parametrize('protocol, train, test, first_metric', [
    ('p1', ['S1', 'S5', 'S6', 'S7', 'S8', 'S9'], ['S11'], 'pa-mpjpe'),
    ('p2', ['S1', 'S5', 'S6', 'S7', 'S8'], ['S9', 'S11'], 'mpjpe'),
])
def test_protocol_configs(protocol, train, test, first_metric):
    cfg = Config.fromfile(
        f'configs/_base_/datasets/h36m-{protocol}_mpii_volumetric_256x256.py')
    def h36m_sets(d):  # the 3D source may be a nested CombinedDataset
        if d.type == 'Human36mImageDataset':
            return [d]
        return [h for sub in d.get('datasets', []) for h in h36m_sets(sub)]

    h36m = h36m_sets(cfg.train_dataloader.dataset)
    assert sorted(s for d in h36m for s in d.subjects) == train
    for loader in (cfg.val_dataloader, cfg.test_dataloader):
        assert loader.dataset.subjects == test
        assert loader.dataset.frame_interval == 64
    assert cfg.val_evaluator[0]['mode'] == first_metric
    assert all(e['keypoint_indices'] == list(range(17))
               for e in cfg.val_evaluator)


def test_first_seventeen_joints_are_mmposes_h36m():
    import mmpose
    h36m = Config.fromfile(
        osp.join(
            osp.dirname(mmpose.__file__),
            '.mim/configs/_base_/datasets/h36m.py')).dataset_info.to_dict()
    ours = H36M18_METAINFO
    for k in range(17):
        assert ours['keypoint_info'][k] == h36m['keypoint_info'][k]
    assert ours['skeleton_info'] == h36m['skeleton_info']


def test_coco_converts_to_the_18_joint_layout():
    from mmposenas.datasets.h36m_image_dataset import COCO_TO_H36M18
    cfg = Config.fromfile(SAMPLE_CFG)
    coco = dict(
        type='CocoDataset',
        data_root='data/samples/coco/',
        data_mode='topdown',
        ann_file='test_coco.json',
        data_prefix=dict(img=''),
        pipeline=[
            dict(
                type='KeypointConverter',
                num_keypoints=18,
                mapping=COCO_TO_H36M18)
        ])
    ds = DATASETS.build(
        dict(
            type='CombinedDataset',
            metainfo=cfg.h36m18_metainfo,
            datasets=[cfg.h36m_sample, coco],
            pipeline=[]))
    raw = ds.datasets[1].get_data_info(0)
    info = ds.get_data_info(4)
    assert info['keypoints'].shape == (1, 18, 2)
    assert len(info['flip_indices']) == 18
    np.testing.assert_allclose(info['keypoints'][0, 0],
                               raw['keypoints'][0, [11, 12]].mean(0))
    np.testing.assert_allclose(info['keypoints'][0, 17],
                               raw['keypoints'][0, [5, 6]].mean(0))
    np.testing.assert_allclose(info['keypoints'][0, 13],
                               raw['keypoints'][0, 9])  # left wrist
    assert info['keypoints_visible'][0, 7, 0] == 0  # no COCO spine
