"""search -> derive -> retrain -> test for AutoPose on the COCO sample,
controller phase included, through tools/train.py, derive.py and test.py.

The tools run in this process (``runpy``, as ``python tools/<tool> ...``
would run them) to spare four interpreter start-ups and imports.
"""
import json
import os.path as osp
import runpy
import sys

import torch

from mmposenas.models.search import Genotype
from conftest import REPO

SEARCH = (f'{REPO}/configs/autopose/'
          'td-hm_autopose-tiny-search_1xb7-2e_coco-sample-64x48.py')
FIXED = (f'{REPO}/configs/autopose/'
         'td-hm_autopose-tiny_1xb7-4e_coco-sample-64x48.py')


def run(tool, *args):
    """Run ``tools/<tool>`` with ``args`` as its command line."""
    path = osp.join(REPO, 'tools', tool)
    argv = sys.argv
    sys.argv = [path, *map(str, args)]
    try:
        runpy.run_path(path, run_name='__main__')
    finally:
        sys.argv = argv


def test_tiny_autopose_chain(tmp_path):
    search = tmp_path / 'search'
    run('train.py', SEARCH, '--work-dir', search, '--cfg-options',
        'train_cfg.max_epochs=1', 'train_cfg.val_interval=1')
    genotype = Genotype.load(str(search / 'genotype.json'),
                             required=['individual', 'aggregation'])
    extras = genotype.extras
    # network level: the best of the 2 sampled masks, scored by CocoMetric
    assert extras['branch_source'] == 'best_of_sampled'
    candidates = extras['branch_candidates']
    assert len(candidates) == 2
    best = max(candidates, key=lambda c: c['score'])
    assert extras['branches'] == best['branches']
    assert extras['branch_score'] == best['score']
    assert all(0.0 <= c['score'] <= 1.0 for c in candidates)
    assert len(extras['branches']) == 6  # 3 stages x 2 modules
    # cell level: argmax op on every edge, every predecessor kept
    assert [len(n) for n in genotype['individual'].nodes] == [1, 2, 3, 4]
    assert [len(n) for n in genotype['aggregation'].nodes] == [4, 5]

    history = json.loads((search / 'branch_search.json').read_text())
    (update, ) = history['updates']  # 1 update of 2 samples after epoch 1
    assert len(update['rewards']) == 2 and len(update['masks']) == 2
    (epoch, ) = history['epochs']
    assert set(epoch['arch_entropy']) == {'individual', 'aggregation'}
    assert 0.0 < epoch['policy_entropy'] <= 1.0
    for png in ('branch_search_curves.png', 'branch_architecture.png'):
        assert (search / png).read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'

    ckpt = torch.load(search / 'epoch_1.pth', map_location='cpu')
    state = ckpt['branch_controller']
    assert state['optimizer']['state'][0]['step'] == 1
    assert 'generator' in state['controller']['_extra_state']
    assert ckpt['state_dict']['backbone.derived_branches'].tolist() == \
        extras['branches']

    derived = tmp_path / 'derived.json'
    run('derive.py', SEARCH, search / 'epoch_1.pth', '--out', derived)
    again = Genotype.load(str(derived))
    assert again.cells == genotype.cells
    assert again.extras['branches'] == extras['branches']

    opts = ['--cfg-options', f'model.backbone.genotype={derived}']
    retrain = tmp_path / 'retrain'
    run('train.py', FIXED, '--work-dir', retrain, *opts,
        'train_cfg.max_epochs=1', 'train_cfg.val_interval=1')
    metrics = tmp_path / 'metrics.json'
    run('test.py', FIXED, retrain / 'epoch_1.pth', '--work-dir',
        tmp_path / 'test', '--out', metrics, *opts)
    result = json.loads(metrics.read_text())
    assert 0.0 <= result['coco/AP'] <= 1.0 and 'coco/AR' in result
    fixed_state = torch.load(retrain / 'epoch_1.pth',
                             map_location='cpu')['state_dict']
    assert not any('arch_params' in k for k in fixed_state)
    # only the derived active branches exist in the fixed network
    for m, row in enumerate(extras['branches']):
        for b, on in enumerate(row):
            prefix = f'backbone.layers.{m}.branches.{b}.'
            assert any(k.startswith(prefix) for k in fixed_state) == bool(on)
