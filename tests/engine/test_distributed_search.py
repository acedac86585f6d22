"""A 2-process search on CPU (gloo) through tools/dist_train.sh and the Runner.

Marked ``slow``: CI runs it (``make test`` runs every test); deselect it
locally with ``-m 'not slow'``.
"""
import json
import os
import subprocess

import pytest
import torch
from mmengine.config import Config

from conftest import REPO, SEARCH_CFG, tool_env

pytestmark = pytest.mark.slow


def test_two_process_search_keeps_one_architecture(tmp_path):
    cfg = Config.fromfile(SEARCH_CFG)
    # different seeds per rank (augmentation, Gumbel noise): the ranks agree
    # only because DDP broadcasts the initial weights/α and the Gumbel noise
    # of rank 0 is broadcast at every sample
    cfg.randomness = dict(seed=0, diff_rank_seed=True, deterministic=True)
    cfg.train_cfg.max_epochs = 2
    cfg.train_cfg.val_interval = 2
    cfg.model.backbone.sampling = 'gumbel_hard'
    cfg.find_unused_parameters = True  # only the sampled op of an edge runs
    cfg.custom_hooks[1].begin_epoch = 0
    cfg.custom_imports.imports.append('helpers.runtime_probes')
    cfg.custom_hooks += [dict(type='ProbeArchRecorderHook'),
                         dict(type='ProbeArchGradHook', batch=3)]
    cfg.dump(str(tmp_path / 'cfg.py'))
    work = tmp_path / 'work'
    env = tool_env()
    env['PYTHONPATH'] = os.pathsep.join(
        [os.path.join(REPO, 'tests'), env.get('PYTHONPATH', '')])
    env['PORT'] = str(29500 + os.getpid() % 1000)
    proc = subprocess.run(
        ['bash', os.path.join(REPO, 'tools/dist_train.sh'),
         str(tmp_path / 'cfg.py'), '2', '--work-dir', str(work)],
        env=env, capture_output=True, text=True, cwd=REPO, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]

    ranks = [torch.load(work / f'probe_rank{r}.pt') for r in (0, 1)]
    # the 7-person sample split over 2 ranks: 1 iteration/epoch, 2 epochs
    assert len(ranks[0]['alphas']) == len(ranks[1]['alphas']) == 2
    assert len(ranks[0]['samples']) == len(ranks[1]['samples']) >= 4
    for a0, a1 in zip(ranks[0]['alphas'], ranks[1]['alphas']):
        assert all(torch.equal(x, y) for x, y in zip(a0, a1))
    first = ranks[0]['alphas'][0][0]
    assert not torch.equal(first, ranks[0]['alphas'][-1][0])  # α moved
    for s0, s1 in zip(ranks[0]['samples'], ranks[1]['samples']):
        for key in s0:
            assert torch.equal(s0[key], s1[key])  # same Gumbel sample
            assert torch.equal(s0[key].sum(-1), torch.ones(len(s0[key])))
    # not the same sample every step: the noise is drawn, then shared
    assert any(not torch.equal(ranks[0]['samples'][0][k], s[k])
               for s in ranks[0]['samples'][1:] for k in s)

    # α gradient: 2 ranks x batch B == 1 process x batch 2B
    grads = [torch.load(work / f'probe_grads_rank{r}.pt') for r in (0, 1)]
    for g_split0, g_split1, g_whole in zip(grads[0]['split'],
                                           grads[1]['split'],
                                           grads[0]['whole']):
        assert torch.equal(g_split0, g_split1)
        assert g_whole.abs().max() > 0
        torch.testing.assert_close(g_split0, g_whole, rtol=1e-6, atol=1e-9)

    # genotype and checkpoints: written once, by rank 0, complete
    names = sorted(os.listdir(work))
    assert [n for n in names if n.endswith('.pth')] == ['epoch_1.pth',
                                                        'epoch_2.pth']
    assert not [n for n in names if n.startswith('.') or n.endswith('.tmp')]
    history = json.loads((work / 'genotype_history.json').read_text())
    assert [h['epoch'] for h in history] == [1, 2]
    ckpt = torch.load(work / 'epoch_2.pth', map_location='cpu')
    assert torch.equal(ckpt['state_dict']['backbone.arch_params.alphas.'
                                          'normal'], ranks[0]['alphas'][-1][0])

    # dist_test.sh: 2-process test of the checkpoint, metrics written once
    out = tmp_path / 'metrics.json'
    proc = subprocess.run(
        ['bash', os.path.join(REPO, 'tools/dist_test.sh'),
         str(tmp_path / 'cfg.py'), str(work / 'epoch_2.pth'), '2',
         '--work-dir', str(tmp_path / 'test'), '--out', str(out)],
        env=env, capture_output=True, text=True, cwd=REPO, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'coco/AP' in json.loads(out.read_text())
