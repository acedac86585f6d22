"""The baselines' tiny chains through tools/train.py and tools/test.py.

All on the shipped samples (data/samples), one or two epochs: they prove
that configs, models, codecs, samplers and metrics work together, not
accuracy (docs/baselines.md has proxy-figure numbers).
"""
import json
import pickle
import subprocess

import numpy as np

from conftest import REPO, tool_cmd, tool_env

CFG = f'{REPO}/configs/baselines'
INTEGRAL = (f'{CFG}/integral/'
            'vol-int_res18-tiny-ppm_1xb9-8e_h36m-mpii-sample-64x64.py')
HEATMAP = f'{CFG}/lifting/td-hm_res18-tiny_1xb9-8e_h36m-mpii-sample-64x64.py'
LIFTER = f'{CFG}/lifting/lift_simple-baseline-tiny_1xb4-20e_h36m-sample.py'
HM_LIFT = f'{CFG}/lifting/hm-lift_res18-tiny_1xb4-8e_h36m-sample-64x64.py'
SEARCH = (f'{CFG}/part_aware/'
          'vol-int_darts-tiny-search-fo_1xb9-2e_h36m-mpii-sample-64x64.py')
RETRAIN = (f'{CFG}/part_aware/'
           'vol-int_darts-tiny_1xb9-4e_h36m-mpii-sample-64x64.py')
ONE_EPOCH = ['train_cfg.max_epochs=1', 'train_cfg.val_interval=1']


def run(*args):
    return subprocess.run(tool_cmd(*args), env=tool_env(), check=True,
                          capture_output=True, text=True)


def _check_mpjpe(path):
    result = json.loads(path.read_text())
    assert 0 < result['PA-MPJPE'] <= result['MPJPE'] < 5000
    assert any(k.startswith('MPJPE_') for k in result)  # per action
    return result


def test_integral_regression_chain(tmp_path):
    run('train.py', INTEGRAL, '--work-dir', tmp_path, '--cfg-options',
        *ONE_EPOCH)
    metrics, dump = tmp_path / 'metrics.json', tmp_path / 'pred.pkl'
    run('test.py', INTEGRAL, tmp_path / 'epoch_1.pth', '--work-dir',
        tmp_path / 'test', '--out', metrics, '--dump', dump)
    _check_mpjpe(metrics)
    with open(dump, 'rb') as f:
        preds = pickle.load(f)
    assert len(preds) == 4  # the 4 Human3.6M sample frames
    assert preds[0]['pred_instances']['keypoints'].shape == (1, 18, 3)


def test_heatmap_lifting_separate_and_joint_chains(tmp_path):
    hm, lifter = tmp_path / 'hm', tmp_path / 'lifter'
    run('train.py', HEATMAP, '--work-dir', hm, '--cfg-options', *ONE_EPOCH)
    run('train.py', LIFTER, '--work-dir', lifter, '--cfg-options',
        *ONE_EPOCH)
    combined = tmp_path / 'separate.pth'
    run('analysis/combine_lifting_checkpoints.py', hm / 'epoch_1.pth',
        lifter / 'epoch_1.pth', '--out', combined)
    separate = tmp_path / 'separate.json'
    run('test.py', HM_LIFT, combined, '--work-dir', tmp_path / 'test_sep',
        '--out', separate)
    _check_mpjpe(separate)

    joint = tmp_path / 'joint'
    run('train.py', HM_LIFT, '--work-dir', joint, '--cfg-options',
        *ONE_EPOCH)
    metrics = tmp_path / 'joint.json'
    run('test.py', HM_LIFT, joint / 'epoch_1.pth', '--work-dir',
        tmp_path / 'test_joint', '--out', metrics)
    _check_mpjpe(metrics)
    log = next(joint.glob('*/vis_data/scalars.json')).read_text()
    assert '"loss_pose3d"' in log and '"loss_kpt"' in log


def test_backbone_only_search_chain(tmp_path):
    search = tmp_path / 'search'
    run('train.py', SEARCH, '--work-dir', search, '--cfg-options',
        *ONE_EPOCH)
    genotype = json.loads((search / 'genotype.json').read_text())
    assert set(genotype['cells']) == {'normal', 'reduce'}
    retrain = tmp_path / 'retrain'
    opts = [f'model.backbone.genotype={search / "genotype.json"}']
    run('train.py', RETRAIN, '--work-dir', retrain, '--cfg-options',
        *ONE_EPOCH, *opts)
    metrics = tmp_path / 'metrics.json'
    run('test.py', RETRAIN, retrain / 'epoch_1.pth', '--work-dir',
        tmp_path / 'test', '--out', metrics, '--cfg-options', *opts)
    _check_mpjpe(metrics)
    assert np.isfinite(json.loads(metrics.read_text())['MPJPE'])
