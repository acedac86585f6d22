"""The baselines' tiny chains through tools/train.py and tools/test.py.

All on the shipped samples (data/samples), one epoch: they prove that
configs, models, codecs, samplers and metrics work together, not accuracy
(docs/baselines.md has proxy-figure numbers). The tools run in this process
(``runpy`` with their own argv) to save the interpreter start and imports of
a subprocess per call; every run gets its own ``experiment_name`` and visualiser name, so
MMEngine's global logger and visualiser instances never mix.
"""
import itertools
import json
import os.path as osp
import pickle
import runpy
import sys

from conftest import REPO

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
# one epoch, no validation during training (tools/test.py evaluates)
ONE_EPOCH = ['train_cfg.max_epochs=1', 'train_cfg.val_interval=10']
_RUN_ID = itertools.count()


def run(tool, *args):
    """``python tools/<tool> *args`` in this process."""
    args = [str(a) for a in args]
    if tool in ('train.py', 'test.py'):
        run_id = next(_RUN_ID)
        names = [f'experiment_name=baselines_chain_{run_id}',
                 f'visualizer.name=baselines_vis_{run_id}']
        if '--cfg-options' not in args:
            args.append('--cfg-options')
        i = args.index('--cfg-options') + 1
        args[i:i] = names
    path = osp.join(REPO, 'tools', tool)
    argv = sys.argv
    sys.argv = [path, *args]
    try:
        runpy.run_path(path, run_name='__main__')
    finally:
        sys.argv = argv


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

    # joint: trained end to end, evaluated by the validation at its end
    joint = tmp_path / 'joint'
    run('train.py', HM_LIFT, '--work-dir', joint, '--cfg-options',
        'train_cfg.max_epochs=1', 'train_cfg.val_interval=1')
    log = [json.loads(line) for line in next(
        joint.glob('*/vis_data/scalars.json')).read_text().splitlines()]
    assert log[0]['loss_pose3d'] > 0 and log[0]['loss_kpt'] > 0
    assert 0 < log[-1]['PA-MPJPE'] <= log[-1]['MPJPE'] < 5000


def test_backbone_only_search_chain(tmp_path):
    search = tmp_path / 'search'
    # three candidate ops instead of DARTS' eight keep the test fast
    run('train.py', SEARCH, '--work-dir', search, '--cfg-options',
        *ONE_EPOCH, 'model.backbone.op_set=[zero,skip_connect,sep_conv_3x3]')
    genotype = json.loads((search / 'genotype.json').read_text())
    assert set(genotype['cells']) == {'normal', 'reduce'}
    # the fixed network of the genotype, tested as initialised
    opts = [f'model.backbone.genotype={search / "genotype.json"}']
    init = tmp_path / 'init.pth'
    run('analysis/save_init_checkpoint.py', RETRAIN, init, '--cfg-options',
        *opts)
    metrics = tmp_path / 'metrics.json'
    run('test.py', RETRAIN, init, '--work-dir', tmp_path / 'test', '--out',
        metrics, '--cfg-options', *opts)
    _check_mpjpe(metrics)
