"""2 gloo processes: rank 0 samples the branch mask, every rank runs it.

Each rank builds ``BranchControllerHook``'s controller with a *different*
seed, so without the broadcast in ``BranchControllerHook.sample`` the ranks
would sample different masks (checked below on a copy of rank 1's
controller). Every iteration goes through the hook's real
``before_train_iter`` and a forward pass of a tiny ``AutoPoseBackbone``; the
branches that actually ran are recorded with forward hooks.

Marked ``slow`` like tests/engine/test_distributed_search.py: CI runs it
(``make test`` runs every test); deselect it locally with ``-m 'not slow'``.
"""
import copy
import os
import socket
from types import SimpleNamespace

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

pytestmark = pytest.mark.slow

ITERS = 6
D, B = 2, 4  # 2 modules x 4 branches


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _worker(rank: int, port: int, out_dir: str) -> None:
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    torch.set_num_threads(1)
    dist.init_process_group('gloo', rank=rank, world_size=2)
    try:
        from mmengine.logging import MessageHub
        from mmpose.registry import MODELS

        import mmposenas  # noqa: F401
        from mmposenas.engine.hooks import BranchControllerHook

        torch.manual_seed(0)
        net = MODELS.build(dict(type='AutoPoseBackbone', stem_channels=4,
                                channels=(2, 2, 2, 2), num_stages=2,
                                modules_per_stage=1,
                                bottleneck_expansion=2)).eval()
        hook = BranchControllerHook(reward_dataloader={},
                                    reward_evaluator={},
                                    controller=dict(hidden_size=8))
        # a different controller seed per rank: only the broadcast agrees
        hook.build_controller(net, seed=100 + rank)
        # what this rank's own controller would sample, left untouched
        own = copy.deepcopy(hook.controller)
        runner = SimpleNamespace(
            model=net,
            message_hub=MessageHub.get_instance(f'broadcast_{rank}'))

        ran = set()
        for m, layer in enumerate(net.layers):
            for b, branch in layer.branches.items():
                branch.aggregation.register_forward_hook(
                    lambda *a, k=(m, int(b)): ran.add(k))
        x = torch.randn(1, 3, 32, 32)
        record = dict(ran=[], own=[])
        for i in range(ITERS):
            hook.before_train_iter(runner, i)
            ran.clear()
            with torch.no_grad():
                net(x)
            record['ran'].append(
                [[int((m, b) in ran) for b in range(B)] for m in range(D)])
            record['own'].append(own.sample().tolist())
        torch.save(record, os.path.join(out_dir, f'rank{rank}.pt'))
    finally:
        dist.destroy_process_group()


def test_rank0_samples_and_every_rank_runs_its_mask(tmp_path):
    mp.spawn(_worker, args=(_free_port(), str(tmp_path)), nprocs=2,
             join=True)
    r0, r1 = (torch.load(tmp_path / f'rank{r}.pt') for r in (0, 1))
    assert len(r0['ran']) == len(r1['ran']) == ITERS
    # both ranks ran the same branches at every iteration ...
    assert r0['ran'] == r1['ran']
    # ... which are rank 0's own samples, drawn afresh every iteration
    assert r0['ran'] == r0['own']
    assert len({str(m) for m in r0['ran']}) > 1
    # rank 1's own controller would have run other branches: the agreement
    # comes from the broadcast, not from equal seeds
    assert r1['own'] != r0['own']
    assert r1['ran'] != r1['own']
