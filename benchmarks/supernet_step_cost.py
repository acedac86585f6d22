"""Cost of one training step: softmax supernet vs Gumbel-hard vs fixed network.

Prints, side by side, the time of a forward+backward pass of
``DartsCellBackbone`` built as a softmax supernet (every candidate runs), as a
straight-through Gumbel-hard supernet (one candidate per edge runs) and as the
fixed network derived from it, with the ratios to the softmax supernet.

    .venv/bin/python benchmarks/supernet_step_cost.py --batch 16 --size 64 48

``--quick`` (batch 2, 32x24 input, 1 timed repeat) only checks that the
script runs; its ratios are not meaningful.
"""
import argparse
import time

import torch
from mmpose.registry import MODELS

import mmposenas  # noqa: F401


def step_time(net: torch.nn.Module, x: torch.Tensor, repeats: int) -> float:
    """Median seconds of forward + backward over ``repeats`` runs."""
    net.train()
    times = []
    for i in range(repeats + 1):
        net.zero_grad(set_to_none=True)
        start = time.perf_counter()
        sum(o.mean() for o in net(x)).backward()
        if i:  # the first run warms up
            times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--batch', type=int, default=16)
    parser.add_argument('--size', type=int, nargs=2, default=[64, 48],
                        metavar=('H', 'W'))
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--quick', action='store_true',
                        help='smoke run: batch 2, 32x24 input, 1 repeat')
    args = parser.parse_args(argv)
    if args.quick:
        args.batch, args.size, args.repeats = 2, [32, 24], 1
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    cfg = dict(type='DartsCellBackbone', stem_channels=16, channels=8,
               num_cells=3, reduction_cells=(1, ), num_nodes=3)
    softmax = MODELS.build(dict(cfg, sampling='softmax'))
    hard = MODELS.build(dict(cfg, sampling='gumbel_hard'))
    fixed = MODELS.build(dict(cfg, genotype=softmax.derive_genotype()))
    x = torch.randn(args.batch, 3, *args.size)
    rows = [(name, step_time(net, x, args.repeats))
            for name, net in (('softmax supernet', softmax),
                              ('gumbel-hard supernet', hard),
                              ('fixed network', fixed))]
    base = rows[0][1]
    print(f'batch {args.batch}, input {args.size[0]}x{args.size[1]}, '
          f'{args.threads} thread(s), median of {args.repeats}')
    print(f'{"network":<22}{"seconds":>10}{"ratio":>8}')
    for name, t in rows:
        print(f'{name:<22}{t:>10.4f}{t / base:>8.2f}')


if __name__ == '__main__':
    main()
