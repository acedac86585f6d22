"""The generated dataset on disk: formats, exactness, determinism, loaders."""
import filecmp
import os
import os.path as osp
import pickle

import numpy as np
import pytest

from mmposenas.datasets.synthetic import (CAMERAS_PATH,
                                          SyntheticFiguresConfig,
                                          annotation_paths,
                                          ensure_synthetic_figures,
                                          generate_synthetic_figures)
from mmposenas.datasets.synthetic.skeleton import (BONE_LENGTH_TOLERANCE,
                                                   H36M_PARENTS,
                                                   nominal_bone_lengths)

SIZE = (128, 128)


def _config(seed=0, **kw):
    kw.setdefault('splits', {'train': 24, 'val': 8})
    return SyntheticFiguresConfig(seed=seed, image_size=SIZE, **kw)


@pytest.fixture(scope='module', autouse=True)
def mmpose_scope():
    from mmpose.utils import register_all_modules
    register_all_modules(init_default_scope=True)


@pytest.fixture(scope='module')
def dataset(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('synthetic') / 'figures')
    meta = generate_synthetic_figures(out, _config())
    return out, meta


def _all_files(root):
    files = []
    for d, _, names in os.walk(root):
        files += [osp.relpath(osp.join(d, n), root) for n in names]
    return sorted(files)


def _parse(imgname):
    subj, rest = osp.basename(imgname).split('_', 1)
    action, rest = rest.split('.', 1)
    camera, _ = rest.split('_', 1)
    return subj, action, camera


def test_layout_and_h36m_fields(dataset):
    out, meta = dataset
    npz = np.load(osp.join(out, annotation_paths('train')['h36m']))
    n = 24
    assert npz['imgname'].dtype.kind == 'U' and npz['imgname'].shape == (n, )
    assert npz['center'].shape == (n, 2) and npz['scale'].shape == (n, )
    assert npz['part'].shape == (n, 17, 3) and npz['S'].shape == (n, 17, 4)
    for key in ('center', 'scale', 'part', 'S'):
        assert npz[key].dtype == np.float64
    assert np.all(npz['S'][..., 3] == 1)
    assert meta['splits']['train']['subjects'] == ['S1']
    assert meta['splits']['val']['subjects'] == ['S2']
    for name in npz['imgname']:
        assert osp.isfile(osp.join(out, 'images', name))
        subj, action, camera = _parse(name)
        assert subj == 'S1' and action and camera.isdigit()
    # 4 cameras per pose: every (subject, action, frame) appears 4 times
    groups = {}
    for name in npz['imgname']:
        s, a, _ = _parse(name)
        groups.setdefault((s, a, name[-10:]), []).append(name)
    assert {len(v) for v in groups.values()} == {4}


def test_projection_of_S_with_stored_camera_equals_part(dataset):
    from mmpose.utils.camera import SimpleCamera
    out, _ = dataset
    with open(osp.join(out, CAMERAS_PATH), 'rb') as f:
        cameras = pickle.load(f)
    for split in ('train', 'val'):
        npz = np.load(osp.join(out, annotation_paths(split)['h36m']))
        for i, name in enumerate(npz['imgname']):
            subj, _, cam_id = _parse(name)
            cam = SimpleCamera(cameras[(subj, cam_id)])
            uv = cam.camera_to_pixel(npz['S'][i, :, :3])
            err = np.abs(uv - npz['part'][i, :, :2]).max()
            assert err < 0.01, (name, err)  # measured: < 6e-6 px
            assert cameras[(subj, cam_id)]['w'] == SIZE[0]


def test_multi_view_joints_agree_in_world_coordinates(dataset):
    out, _ = dataset
    with open(osp.join(out, CAMERAS_PATH), 'rb') as f:
        cameras = pickle.load(f)
    npz = np.load(osp.join(out, annotation_paths('train')['h36m']))
    world = {}
    for i, name in enumerate(npz['imgname']):
        subj, action, cam_id = _parse(name)
        p = cameras[(subj, cam_id)]
        X = npz['S'][i, :, :3] @ p['R'].T + p['T'].T
        world.setdefault((subj, action, name[-10:]), []).append(X)
    for views in world.values():
        np.testing.assert_allclose(np.std(views, axis=0), 0, atol=1e-9)
        assert np.min(views[0][:, 2]) > 0  # above the floor


def test_bone_lengths_and_depth_in_configured_range(dataset):
    out, _ = dataset
    S = np.load(osp.join(out, annotation_paths('train')['h36m']))['S'][..., :3]
    lengths = np.linalg.norm(S[:, 1:] - S[:, list(H36M_PARENTS[1:])], axis=-1)
    ratio = lengths / nominal_bone_lengths()[1:]
    assert ratio.min() >= 1 - BONE_LENGTH_TOLERANCE - 1e-9
    assert ratio.max() <= 1 + BONE_LENGTH_TOLERANCE + 1e-9
    assert 3.0 <= S[:, 0, 2].min() and S[:, 0, 2].max() <= 7.0


def test_same_seed_same_bytes_other_seed_other_data(dataset, tmp_path):
    out, _ = dataset
    again = str(tmp_path / 'again')
    generate_synthetic_figures(again, _config(), workers=2)
    files = _all_files(out)
    assert files == _all_files(again)
    match, mismatch, errors = filecmp.cmpfiles(out, again, files,
                                               shallow=False)
    assert not mismatch and not errors and len(match) == len(files)

    other = str(tmp_path / 'other')
    generate_synthetic_figures(other, _config(seed=1))
    a = np.load(osp.join(out, annotation_paths('train')['h36m']))['S']
    b = np.load(osp.join(other, annotation_paths('train')['h36m']))['S']
    assert np.abs(a - b).max() > 0.1


def test_coco_dataset_loads_and_runs_a_topdown_pipeline(dataset):
    from mmpose.datasets import CocoDataset
    out, _ = dataset
    codec = dict(type='MSRAHeatmap', input_size=(64, 64),
                 heatmap_size=(16, 16), sigma=1)
    pipeline = [
        dict(type='LoadImage'),
        dict(type='GetBBoxCenterScale'),
        dict(type='RandomFlip', direction='horizontal'),
        dict(type='TopdownAffine', input_size=codec['input_size']),
        dict(type='GenerateTarget', encoder=codec),
        dict(type='PackPoseInputs'),
    ]
    ds = CocoDataset(
        data_root=out, ann_file=annotation_paths('train')['coco'],
        data_prefix=dict(img='images/'), data_mode='topdown',
        pipeline=pipeline)
    assert len(ds) == 24
    info = ds.get_data_info(0)
    assert info['keypoints'].shape == (1, 17, 2)
    assert info['bbox'].shape == (1, 4) and info['area'] > 0
    sample = ds[0]
    assert tuple(sample['inputs'].shape) == (3, 64, 64)
    heatmaps = sample['data_samples'].gt_fields.heatmaps
    assert tuple(heatmaps.shape) == (17, 16, 16)
    assert float(heatmaps.max()) > 0.5


def test_ground_truth_scores_perfect_coco_ap(dataset, tmp_path):
    """The COCO file is self-consistent: GT as predictions gives AP = 1."""
    from mmpose.datasets import CocoDataset
    from mmpose.evaluation import CocoMetric
    out, _ = dataset
    ann = osp.join(out, annotation_paths('val')['coco'])
    ds = CocoDataset(data_root=out, ann_file=ann,
                     data_prefix=dict(img='images/'), test_mode=True)
    metric = CocoMetric(ann_file=ann, outfile_prefix=str(tmp_path / 'r'))
    metric.dataset_meta = ds.metainfo
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        x0, y0, x1, y1 = info['bbox'][0]
        metric.process([], [{
            'id': info['id'],
            'img_id': info['img_id'],
            'category_id': 1,
            'ori_shape': (info['img_shape']
                          if 'img_shape' in info else SIZE[::-1]),
            'pred_instances': {
                'keypoints': info['keypoints'],
                'keypoint_scores': np.ones((1, 17), np.float32),
                'bbox_scores': np.ones(1, np.float32),
            },
            'gt_instances': {
                'bbox_scales': np.array([[x1 - x0, y1 - y0]]) * 1.25
            },
            'raw_ann_info': info['raw_ann_info'],
        }])
    results = metric.compute_metrics(metric.results)
    assert results['AP'] == pytest.approx(1.0)


def test_human36m_dataset_loads_with_cameras(dataset):
    from mmpose.datasets import Human36mDataset
    out, _ = dataset
    ds = Human36mDataset(
        data_root=out, ann_file=annotation_paths('val')['h36m'],
        camera_param_file=CAMERAS_PATH, data_prefix=dict(img='images/'),
        seq_len=1, causal=True, keypoint_2d_src='gt', pipeline=[])
    assert len(ds) == 8
    npz = np.load(osp.join(out, annotation_paths('val')['h36m']))
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        k = info['img_ids'][0]
        assert info['target_img_path'] == npz['imgname'][k]
        np.testing.assert_allclose(info['keypoints_3d'][0],
                                   npz['S'][k, :, :3], atol=1e-6)
        np.testing.assert_allclose(info['keypoints'][0],
                                   npz['part'][k, :, :2], atol=1e-3)
        assert set(info['camera_param']) >= {'R', 'T', 'f', 'c', 'w', 'h'}
    # every frame's image was found (width/height read from the JPEG)
    assert all(im is not None for im in ds._load_annotations()[1])


def test_loads_through_the_image_based_human36m_dataset(dataset):
    """The part-aware 3D chain reads the same files (image-based H36M)."""
    module = pytest.importorskip('mmposenas.datasets.h36m_image_dataset')
    out, _ = dataset
    ds = module.Human36mImageDataset(
        data_root=out, ann_file=annotation_paths('train')['h36m'],
        camera_param_file=CAMERAS_PATH, data_prefix=dict(img='images/'),
        subjects=['S1'], pipeline=[])
    assert len(ds) == 24
    npz = np.load(osp.join(out, annotation_paths('train')['h36m']))
    for i in (0, len(ds) - 1):
        info = ds.get_data_info(i)
        k = info['img_id']
        # no lens distortion: the pinhole projection is the stored 2D
        np.testing.assert_allclose(info['keypoints'][0, :17],
                                   npz['part'][k, :, :2], atol=1e-3)
        np.testing.assert_allclose(info['root_cam'][0],
                                   npz['S'][k, 0, :3] * 1000, atol=1e-2)
        assert osp.isfile(info['img_path'])


def test_baseline_config_trains_one_step_on_generated_data(dataset):
    """The shipped baseline config resolves, its pipeline reads the files
    and its model computes a finite loss and gradients on them."""
    import torch
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate
    from mmpose.registry import DATASETS, MODELS
    out, _ = dataset
    repo = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
        osp.abspath(__file__)))))
    cfg = Config.fromfile(osp.join(
        repo, 'configs', 'baselines', 'synthetic',
        'td-hm_res18-tiny_1xb32-30e_synthetic-figures-64x64.py'))
    assert cfg.val_evaluator[0]['ann_file'].startswith('data/synthetic/')
    ds_cfg = cfg.train_dataloader.dataset.copy()
    ds_cfg['data_root'] = out
    ds = DATASETS.build(ds_cfg)
    assert len(ds) == 24
    model = MODELS.build(cfg.model)
    model.train()
    batch = model.data_preprocessor(pseudo_collate([ds[i] for i in range(4)]),
                                    training=True)
    losses = model(**batch, mode='loss')
    loss = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(loss)
    loss.backward()
    assert all(p.grad is not None for p in model.head.parameters())


def test_existing_output_is_never_overwritten_silently(dataset, tmp_path):
    out, _ = dataset
    with pytest.raises(FileExistsError):
        generate_synthetic_figures(out, _config())
    assert ensure_synthetic_figures(out, _config()) == out  # same config: ok
    with pytest.raises(FileExistsError, match='does not hold'):
        ensure_synthetic_figures(out, _config(seed=3))


def test_failure_leaves_no_partial_output(tmp_path):
    bg = tmp_path / 'backgrounds'
    bg.mkdir()
    (bg / 'broken.jpg').write_bytes(b'not a jpeg')
    out = tmp_path / 'figures'
    with pytest.raises(FileNotFoundError, match='broken.jpg'):
        generate_synthetic_figures(
            str(out), _config(background_dir=str(bg)))
    assert os.listdir(tmp_path) == ['backgrounds']


def test_bad_config_is_a_clear_error():
    with pytest.raises(ValueError, match='unknown split'):
        SyntheticFiguresConfig(splits={'training': 10})
    with pytest.raises(ValueError, match='num_cameras'):
        SyntheticFiguresConfig(num_cameras=0)


def test_command_line(tmp_path):
    import runpy
    script = osp.join(
        osp.dirname(osp.dirname(osp.dirname(osp.dirname(
            osp.abspath(__file__))))), 'tools', 'dataset_converters',
        'make_synthetic_figures.py')
    main = runpy.run_path(script)['main']
    out = str(tmp_path / 'cli')
    args = ['--out', out, '--num', '6', '--num-val', '2', '--size', '96x80',
            '--cameras', '2', '--workers', '0', '--quiet']
    assert main(args) == 0
    npz = np.load(osp.join(out, annotation_paths('train')['h36m']))
    assert len(npz['imgname']) == 6
    with open(osp.join(out, CAMERAS_PATH), 'rb') as f:
        cams = pickle.load(f)
    assert {(c['w'], c['h']) for c in cams.values()} == {(96, 80)}
    assert main(args) == 2  # exists, no --overwrite
    assert main(args + ['--overwrite']) == 0
