"""PoseNFS end to end on the shipped COCO sample, through the tools:
synchronous search -> genotype -> prune -> test, and retrain -> CocoMetric;
plus the synchronous and random search modes in a real Runner."""
import copy
import json
import runpy
import subprocess
import sys

import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

import mmposenas  # noqa: F401
from mmposenas.models.search import Genotype, arch_parameters
from conftest import REPO, tool_cmd, tool_env

CFG = f'{REPO}/configs/posenfs/'
SYNC = CFG + 'td-vip_pnfs-tiny-sync_1xb7-4e_coco-sample-64x48.py'
RANDOM = CFG + 'td-vip_pnfs-tiny-random_1xb7-4e_coco-sample-64x48.py'
FIXED = CFG + 'td-vip_pnfs-tiny-fixed_1xb7-8e_coco-sample-64x48.py'
COCO_KEYS = {'coco/AP', 'coco/AP .5', 'coco/AR'}


def run(*args):
    return subprocess.run(tool_cmd(*args), env=tool_env(), check=True,
                          capture_output=True, text=True)


def run_here(tool, *args):
    """``tools/<tool>`` as __main__ in this process. The search runs as a
    real subprocess; the later steps run here because a fresh interpreter
    spends ~5 s importing torch/MMPose, more than the step itself."""
    argv = sys.argv
    sys.argv = [tool, *map(str, args)]
    try:
        runpy.run_path(f'{REPO}/tools/{tool}', run_name='__main__')
    finally:
        sys.argv = argv


def test_tiny_posenfs_chain(tmp_path):
    no_val = ['val_cfg=None', 'val_dataloader=None', 'val_evaluator=None']
    search = tmp_path / 'search'
    run('train.py', SYNC, '--work-dir', search, '--cfg-options',
        'train_cfg.max_epochs=1', *no_val)
    genotype = Genotype.load(str(search / 'genotype.json'),
                             required=['fabric0_cell', 'fabric1_cell',
                                       'fabric2_cell'])
    assert genotype.extras['method'] == 'posenfs'
    assert genotype.extras['mode'] == 'discrete'
    assert genotype.extras['parts']['names'] == ['head', 'upper_limb',
                                                 'lower_limb']
    history = json.loads((search / 'genotype_history.json').read_text())
    assert 'fabric0_beta' in history[-1]['entropy']

    pruned = tmp_path / 'pruned'
    run_here('analysis/prune_fabric.py', SYNC, search / 'epoch_1.pth',
             '--out-dir', pruned, '--verify')
    report = json.loads((pruned / 'report.json').read_text())
    assert report['identical_outputs'] is True
    # params and multiply-adds before/after (nothing is exactly zero after
    # one epoch, so nothing is removed here; see test_posenfs_tools.py)
    assert report['macs_before'] == report['macs_after'] > 0
    # only α/β go: 3 fabrics × (1 edge × 4 ops + 6 cells × 3 neighbours)
    assert report['params_before'] - report['params_after'] == 3 * (4 + 18)
    assert report['input_shape'] == [64, 48]
    assert Genotype.load(str(pruned / 'genotype.json')).extras['mode'] == \
        'continuous'
    assert (pruned / 'pruned.pth').is_file()

    retrain = tmp_path / 'retrain'
    opts = ['--cfg-options',
            f'model.backbone.genotype={search / "genotype.json"}']
    run_here('train.py', FIXED, '--work-dir', retrain, *opts,
             'train_cfg.max_epochs=1', *no_val)
    ckpt = torch.load(retrain / 'epoch_1.pth', map_location='cpu')
    assert not any('arch_params' in k for k in ckpt['state_dict'])
    metrics = tmp_path / 'metrics.json'
    run_here('test.py', FIXED, retrain / 'epoch_1.pth', '--work-dir',
             tmp_path / 'test', '--out', metrics, *opts)
    result = json.loads(metrics.read_text())
    assert COCO_KEYS <= set(result)
    assert all(0 <= result[k] <= 1 for k in COCO_KEYS)
    assert 0 <= result['PCK'] <= 1  # MMPose's PCKAccuracy beside CocoMetric


class Record(Hook):
    priority = 'VERY_LOW'

    def before_train(self, runner):
        self.start = [a.detach().clone()
                      for a in arch_parameters(runner.model)]

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        self.grads = [a.grad for a in arch_parameters(runner.model)]


def tiny_runner(cfg_file, work_dir):
    cfg = Config.fromfile(cfg_file)
    cfg.work_dir = str(work_dir)
    cfg.train_cfg.max_epochs = 1
    cfg.train_cfg.val_interval = 10
    cfg.default_hooks.checkpoint.interval = 10
    runner = Runner.from_cfg(cfg)
    probe = Record()
    runner.register_hook(probe)
    return runner, probe


def test_synchronous_steps_alpha_and_valid_beta(tmp_path):
    runner, probe = tiny_runner(SYNC, tmp_path)
    runner.train()
    backbone = runner.model.backbone
    after = arch_parameters(runner.model)
    keys = backbone.arch_params.keys()
    for key, a0, a1 in zip(keys, probe.start, after):
        mask = backbone.arch_params.mask(key)
        if mask is None:
            assert (a0 != a1).all()  # every α entry moved
        else:  # β: the valid entries moved, the masked ones never do
            assert (a0[mask] != a1[mask]).all()
            assert torch.equal(a0[~mask], a1[~mask])


def test_random_mode_draws_and_freezes_alpha_beta(tmp_path):
    runner, probe = tiny_runner(RANDOM, tmp_path)
    runner.train()
    after = arch_parameters(runner.model)
    assert all(torch.equal(a0, a1) for a0, a1 in zip(probe.start, after))
    assert all(g is None for g in probe.grads)  # no β/α gradient at all
    assert all(not a.requires_grad for a in after)
    drawn = torch.cat([a.flatten() for a in after])
    assert 0.7 < drawn.std().item() < 1.3  # N(0, 1), not the 1e-3 init
    # the draw is the hook's seeded one (seed=2 in the config)
    redraw = copy.deepcopy(runner.model.backbone.arch_params)
    redraw.reset_random(2, 1.0)
    assert all(torch.equal(a, b) for a, b in
               zip(after, redraw.alphas.values()))
