"""Cost of one supernet training step, and the peak memory of a search step.

Three comparisons, each printed side by side with ratios in one run:

1. ``formulation``: our mixed op against the textbook DARTS formulation
   (:mod:`mmposenas.models.search.reference`: every candidate runs, ``zero``
   as ``x * 0``, each op its own ReLU, a Python sum of ``w * op(x)``, NCHW),
   on the same supernet with the same weights; ours skips ``zero``, shares
   one ReLU per node state, and optionally runs channels-last. The maximum
   absolute differences of the outputs and of the gradients are printed.
2. ``sampling``: the softmax supernet against the straight-through
   Gumbel-hard supernet (one candidate per edge runs) and the fixed network
   derived from it.
3. ``memory`` (``--memory``): peak memory of a part-aware search step at the
   seed's 128x128 input, plain DARTS against PC-DARTS partial channels
   (``partial_channels=4``). Each variant runs in a fresh subprocess; the CPU
   figure is the growth of the peak RSS (``resource.getrusage``) over the
   RSS after building the model, and on a GPU ``torch.cuda.max_memory_allocated``.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/supernet_step_cost.py
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/supernet_step_cost.py \\
        --memory --memory-batch 8

``--quick`` (batch 2, 32x24 input, 1 timed repeat, memory at batch 1 and
64x64) only checks that the script runs; its ratios are not meaningful.
"""
import argparse
import json
import resource
import subprocess
import sys
import time
from typing import Callable, Dict, List, Tuple

import torch
from mmpose.registry import MODELS

import mmposenas  # noqa: F401
from mmposenas.models.search.reference import to_reference_supernet

#: Supernets timed in the formulation comparison (DartsCellBackbone args).
FORMULATION_NETS = {
    'darts c8 3 cells': dict(stem_channels=16, channels=8, num_cells=3,
                             reduction_cells=(1, ), num_nodes=3),
    'darts c16 5 cells': dict(stem_channels=32, channels=16, num_cells=5,
                              reduction_cells=(1, 3), num_nodes=4),
}

#: The part-aware search backbone of the memory comparison (the seed's
#: search network: C=10, 10 cells with 5 reductions and 3 fusion cells,
#: 18 joints in 3 groups, 64 depth bins, 128x128 input).
MEMORY_NET = dict(type='PartAwareNASBackbone', num_keypoints=18,
                  depth_bins=64, groups=3, num_cells=10, num_reductions=5,
                  num_fusions=3, channels=12, stem_channels=48,
                  joint_channels=16)


def outputs_sum(outs) -> torch.Tensor:
    """A scalar depending on every output (tuple of tensors)."""
    return sum(o.float().mean() for o in outs)


def step_time(net: torch.nn.Module, x: torch.Tensor, repeats: int) -> float:
    """Median seconds of forward + backward over ``repeats`` runs."""
    net.train()
    times = []
    for i in range(repeats + 1):
        net.zero_grad(set_to_none=True)
        start = time.perf_counter()
        outputs_sum(net(x)).backward()
        if i:  # the first run warms up
            times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def max_differences(net_a: torch.nn.Module, net_b: torch.nn.Module,
                    x: torch.Tensor) -> Tuple[float, float]:
    """Max |Δ| of the outputs and of all parameter gradients (train mode)."""
    results = []
    for net in (net_a, net_b):
        net.train()
        net.zero_grad(set_to_none=True)
        outs = net(x)
        outputs_sum(outs).backward()
        grads = [p.grad for p in net.parameters()]
        results.append(([o.detach() for o in outs], grads))
    (outs_a, grads_a), (outs_b, grads_b) = results
    d_out = max((a - b).abs().max().item() for a, b in zip(outs_a, outs_b))
    d_grad = max(((a - b).abs().max().item()
                  for a, b in zip(grads_a, grads_b)
                  if a is not None and b is not None), default=0.0)
    return d_out, d_grad


def formulation_rows(args) -> None:
    """Reference formulation vs ours (NCHW, channels-last)."""
    print(f'== formulation: batch {args.batch}, input {args.size[0]}x'
          f'{args.size[1]}, {torch.get_num_threads()} thread(s), median of '
          f'{args.repeats}')
    print(f'{"supernet":<20}{"variant":<26}{"seconds":>9}{"speed-up":>10}'
          f'{"max|dout|":>11}{"max|dgrad|":>11}')
    for name, cfg in FORMULATION_NETS.items():
        torch.manual_seed(0)
        ours = MODELS.build(dict(cfg, type='DartsCellBackbone'))
        ref = to_reference_supernet(ours)
        x = torch.randn(args.batch, 3, *args.size)
        t_ref = step_time(ref, x, args.repeats)
        print(f'{name:<20}{"reference (DARTS)":<26}{t_ref:>9.4f}'
              f'{1.0:>10.2f}{"":>11}{"":>11}')
        for variant, channels_last in (('ours, NCHW', False),
                                       ('ours, channels-last', True)):
            ours.channels_last = channels_last
            t = step_time(ours, x, args.repeats)
            d_out, d_grad = max_differences(ref, ours, x)
            print(f'{"":<20}{variant:<26}{t:>9.4f}{t_ref / t:>10.2f}'
                  f'{d_out:>11.1e}{d_grad:>11.1e}')
        ours.channels_last = False


def sampling_rows(args) -> None:
    """Softmax vs Gumbel-hard supernet vs fixed network (NCHW)."""
    print(f'== sampling: batch {args.batch}, input {args.size[0]}x'
          f'{args.size[1]}, median of {args.repeats}')
    torch.manual_seed(0)
    cfg = dict(FORMULATION_NETS['darts c8 3 cells'], type='DartsCellBackbone')
    softmax = MODELS.build(dict(cfg, sampling='softmax'))
    hard = MODELS.build(dict(cfg, sampling='gumbel_hard'))
    fixed = MODELS.build(dict(cfg, genotype=softmax.derive_genotype()))
    x = torch.randn(args.batch, 3, *args.size)
    rows = [(name, step_time(net, x, args.repeats))
            for name, net in (('softmax supernet', softmax),
                              ('gumbel-hard supernet', hard),
                              ('fixed network', fixed))]
    base = rows[0][1]
    print(f'{"network":<22}{"seconds":>10}{"ratio":>8}')
    for name, t in rows:
        print(f'{name:<22}{t:>10.4f}{t / base:>8.2f}')


def rss_bytes() -> int:
    """Current resident set size of this process (Linux /proc)."""
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def memory_probe(partial_channels: int, batch: int, size: int) -> Dict:
    """One search step's peak memory (run in a fresh process)."""
    torch.manual_seed(0)
    net = MODELS.build(dict(MEMORY_NET, partial_channels=partial_channels))
    x = torch.randn(batch, 3, size, size)
    cuda = torch.cuda.is_available()
    if cuda:
        net, x = net.cuda(), x.cuda()
        torch.cuda.reset_peak_memory_stats()
    before = rss_bytes()
    net.train()
    outputs_sum(net(x)).backward()
    # the peak is at least every RSS seen (ru_maxrss, in KiB, can lag the
    # current RSS by a page)
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
               rss_bytes(), before)
    result = dict(cpu_peak_growth=peak - before,
                  params=sum(p.numel() for p in net.parameters()))
    if cuda:
        result['cuda_peak'] = torch.cuda.max_memory_allocated()
    return result


def memory_rows(args) -> None:
    """Plain vs partial-channel part-aware search step, fresh processes."""
    print(f'== memory: part-aware search step, batch {args.memory_batch}, '
          f'input {args.memory_size}x{args.memory_size}, each variant in a '
          f'fresh process')
    results = {}
    for k in (1, 4):
        out = subprocess.run(
            [sys.executable, __file__, '--memory-probe', str(k),
             '--memory-batch', str(args.memory_batch),
             '--memory-size', str(args.memory_size)],
            check=True, capture_output=True, text=True).stdout
        results[k] = json.loads(out.strip().splitlines()[-1])
    base = results[1]
    print(f'{"variant":<26}{"CPU peak growth MiB":>20}{"ratio":>8}'
          + (f'{"CUDA peak MiB":>15}{"ratio":>8}' if 'cuda_peak' in base
             else ''))
    for k, res in results.items():
        name = 'plain DARTS' if k == 1 else f'partial channels K={k}'
        line = (f'{name:<26}{res["cpu_peak_growth"] / 2**20:>20.1f}'
                f'{res["cpu_peak_growth"] / base["cpu_peak_growth"]:>8.2f}')
        if 'cuda_peak' in res:
            line += (f'{res["cuda_peak"] / 2**20:>15.1f}'
                     f'{res["cuda_peak"] / base["cuda_peak"]:>8.2f}')
        print(line)


def main(argv: List[str] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--batch', type=int, default=16)
    parser.add_argument('--size', type=int, nargs=2, default=[64, 48],
                        metavar=('H', 'W'))
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--memory', action='store_true',
                        help='also measure the peak memory of a part-aware '
                        'search step, plain vs partial channels K=4')
    parser.add_argument('--memory-batch', type=int, default=8)
    parser.add_argument('--memory-size', type=int, default=128)
    parser.add_argument('--memory-probe', type=int, default=None,
                        help=argparse.SUPPRESS)
    parser.add_argument('--quick', action='store_true',
                        help='smoke run: batch 2, 32x24 input, 1 repeat')
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.memory_probe is not None:
        print(json.dumps(memory_probe(args.memory_probe, args.memory_batch,
                                      args.memory_size)))
        return
    if args.quick:
        args.batch, args.size, args.repeats = 2, [32, 24], 1
        args.memory_batch, args.memory_size = 1, 64
    sections: List[Callable] = [formulation_rows, sampling_rows]
    if args.memory:
        sections.append(memory_rows)
    for section in sections:
        section(args)


if __name__ == '__main__':
    main()
