"""Training-step cost of the AutoPose supernet by branch mask.

Times forward + backward of backbone + head (MMPose ``HeatmapHead``, MSE
loss on random targets) for the supernet with all branches on, half on (two
of the four branches of every module), all off, for the stem + fusion + head
alone, and for the fixed network derived from the supernet (half-on
branches, same channels). An inactive branch must cost nothing: the all-off
step has to stay within 10% of stem + head (the script exits with status 1
otherwise).

    .venv/bin/python benchmarks/autopose_step_cost.py --batch 4 --size 128 96
"""
import argparse
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS

import mmposenas  # noqa: F401

DEFAULT_CFG = ('configs/autopose/'
               'td-hm_autopose-search_1xb128-50e_coco-256x192.py')


class StemAndHead(nn.Module):
    """What remains when every branch is off: stem, 4x fusion, head."""

    def __init__(self, backbone: nn.Module, head: nn.Module) -> None:
        super().__init__()
        self.backbone, self.head = backbone, head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = self.backbone.stem(x)
        size = feats[0].shape[-2:]
        fused = torch.cat([feats[0]] + [
            F.interpolate(f, size=size, mode='nearest') for f in feats[1:]
        ], 1)
        return self.head((fused, ))


class BackboneAndHead(nn.Module):

    def __init__(self, backbone: nn.Module, head: nn.Module) -> None:
        super().__init__()
        self.backbone, self.head = backbone, head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(x))


def step_time(net: nn.Module, x: torch.Tensor, repeats: int) -> float:
    """Median seconds of forward + MSE backward over ``repeats`` runs."""
    net.train()
    target = None
    times = []
    for i in range(repeats + 1):
        net.zero_grad(set_to_none=True)
        start = time.perf_counter()
        out = net(x)
        if target is None:
            target = torch.rand_like(out)
        F.mse_loss(out, target).backward()
        if i:  # the first run warms up
            times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config', default=DEFAULT_CFG,
                        help='AutoPose search config (model only is used)')
    parser.add_argument('--batch', type=int, default=4)
    parser.add_argument('--size', type=int, nargs=2, default=[128, 96],
                        metavar=('H', 'W'))
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--rounds', type=int, default=3,
                        help='interleaved rounds of all-off vs stem+head')
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    cfg = Config.fromfile(args.config)
    init_default_scope('mmpose')
    backbone = MODELS.build(cfg.model.backbone)
    head = MODELS.build(cfg.model.head)
    d, b = backbone.num_branch_decisions, backbone.num_branches
    half = [[(i + j) % 2 == 0 for j in range(b)] for i in range(d)]
    backbone.set_derived_branches(half)
    fixed = MODELS.build(
        dict(cfg.model.backbone, genotype=backbone.derive_genotype()))
    supernet = BackboneAndHead(backbone, head).to(args.device)
    x = torch.randn(args.batch, 3, *args.size, device=args.device)

    def sync():
        if args.device.startswith('cuda'):
            torch.cuda.synchronize()

    rows = []
    for name, mask in (('supernet, all branches on', 'all'),
                       ('supernet, half on', half)):
        backbone.set_active_branches(mask)
        sync()
        rows.append((name, step_time(supernet, x, args.repeats)))
    # all off vs stem + head: interleaved rounds, the fastest median of each
    # (the two differ by microseconds; allocator and cache state after the
    # large runs above would otherwise dominate)
    backbone.set_active_branches('none')
    stem_head = StemAndHead(backbone, head)
    off, floor = [], []
    for _ in range(args.rounds):
        off.append(step_time(supernet, x, args.repeats))
        floor.append(step_time(stem_head, x, args.repeats))
    rows.append(('supernet, all off', min(off)))
    rows.append(('stem + fusion + head only', min(floor)))
    rows.append(('derived fixed net (half on)',
                 step_time(BackboneAndHead(fixed, head).to(args.device), x,
                           args.repeats)))
    base = rows[0][1]
    print(f'{args.config}: batch {args.batch}, input {args.size[0]}x'
          f'{args.size[1]}, {args.threads} thread(s), {args.device}, '
          f'median of {args.repeats} (all off, stem + head: fastest of '
          f'{args.rounds} interleaved rounds)')
    print(f'{"network":<30}{"seconds":>10}{"ratio":>8}')
    for name, t in rows:
        print(f'{name:<30}{t:>10.4f}{t / base:>8.3f}')
    all_off, floor = rows[2][1], rows[3][1]
    ok = all_off <= 1.10 * floor
    print(f'all-off / stem+head = {all_off / floor:.3f} '
          f'({"OK" if ok else "FAIL"}: must be <= 1.10)')
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
