"""search -> derive -> retrain -> test for the part-aware 3D NAS (samples).

The tools run in this process (their ``main`` with ``sys.argv`` set), which
saves five interpreter start-ups; the subprocess path of the tools is covered
by the exact-resume and divergence tests.
"""
import importlib.util
import json
import os.path as osp
import pickle
import sys

from mmposenas.models.search import Genotype
from conftest import REPO

SEARCH = (f'{REPO}/configs/part_aware_nas/'
          'vol-int_pa-nas-tiny-search-fo_1xb9-4e_h36m-mpii-sample-64x64.py')
FIXED = (f'{REPO}/configs/part_aware_nas/'
         'vol-int_pa-nas-tiny_1xb9-8e_h36m-mpii-sample-64x64.py')


def run_tool(monkeypatch, tool, *args):
    path = osp.join(REPO, 'tools', tool)
    spec = importlib.util.spec_from_file_location(
        osp.splitext(osp.basename(tool))[0] + '_pa_chain', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(sys, 'argv', [path, *map(str, args)])
    module.main()


def test_tiny_part_aware_chain(tmp_path, monkeypatch):

    def run(*args):
        run_tool(monkeypatch, *args)

    search = tmp_path / 'search'
    run('train.py', SEARCH, '--work-dir', search, '--cfg-options',
        'train_cfg.max_epochs=2', 'train_cfg.val_interval=2',
        'custom_hooks.1.begin_epoch=0', 'model.backbone.groups=[[0,1,2,3,4,5'
        ',6],[7,8,9,10],[11,12,13,14,15,16,17]]')
    genotype = Genotype.load(str(search / 'genotype.json'),
                             required=['normal', 'reduce', 'fusion'])
    assert genotype.extras['part_groups'] == [
        [0, 1, 2, 3, 4, 5, 6], [7, 8, 9, 10], [11, 12, 13, 14, 15, 16, 17]
    ]
    assert genotype['fusion'].num_nodes == 3

    derived = tmp_path / 'derived.json'
    run('derive.py', SEARCH, search / 'epoch_2.pth', '--out', derived,
        '--cfg-options', 'model.backbone.groups=[[0,1,2,3,4,5,6],'
        '[7,8,9,10],[11,12,13,14,15,16,17]]')
    assert Genotype.load(str(derived)) == genotype

    retrain = tmp_path / 'retrain'
    opts = ['--cfg-options', f'model.backbone.genotype={derived}']
    init = tmp_path / 'init.pth'
    run('analysis/save_init_checkpoint.py', FIXED, init, *opts)
    before = tmp_path / 'before.json'
    run('test.py', FIXED, init, '--work-dir', tmp_path / 'test_init', '--out',
        before, *opts)
    assert json.loads(before.read_text())['MPJPE'] > 0
    run('train.py', FIXED, '--work-dir', retrain, *opts,
        'train_cfg.max_epochs=2', 'train_cfg.val_interval=2')
    metrics = tmp_path / 'metrics.json'
    dump = tmp_path / 'predictions.pkl'
    run('test.py', FIXED, retrain / 'epoch_2.pth', '--work-dir',
        tmp_path / 'test', '--out', metrics, '--dump', dump, *opts)
    result = json.loads(metrics.read_text())
    with open(dump, 'rb') as f:
        predictions = pickle.load(f)
    assert len(predictions) == 4  # the 4 Human3.6M sample frames
    assert predictions[0]['pred_instances']['keypoints'].shape == (1, 18, 3)
    assert {'MPJPE', 'PA-MPJPE'} <= set(result)
    assert result['PA-MPJPE'] <= result['MPJPE']
    assert any(k.startswith('MPJPE_') for k in result)  # per action
