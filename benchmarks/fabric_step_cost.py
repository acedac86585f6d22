"""Cost of one PoseNFS training step: supernet vs pruned vs derived network.

Times forward+backward (and forward only) of the whole pose model
(``PartFabricBackbone`` + ``VectorInPixelHead``) built from a PoseNFS config
as (1) the supernet, (2) the pruned network of the same α/β (here α/β are
drawn so that ops/neighbours of zero weight exist: ``--zero-frac`` of the ops
per fabric and of the β entries get logit -1e4) and (3) the discrete network
derived from it (argmax op per edge). ``--profile`` prints the top ops of the
supernet step (torch.profiler).

    .venv/bin/python benchmarks/fabric_step_cost.py \
        configs/posenfs/td-vip_pnfs-mbv2-c10-p3-sync_1xb24-200e_mpii-256x256.py \
        --batch 8 --size 256 256
"""
import argparse
import copy
import time

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS

import mmposenas  # noqa: F401
from mmposenas.models.backbones import prune_pose_model


def step_time(model: torch.nn.Module, x: torch.Tensor, repeats: int,
              backward: bool = True) -> float:
    """Median seconds of one (forward [+ backward]) over ``repeats`` runs."""
    model.train(backward)
    times = []
    for i in range(repeats + 1):
        model.zero_grad(set_to_none=True)
        if x.is_cuda:
            torch.cuda.synchronize()
        start = time.perf_counter()
        if backward:
            model._forward(x).mean().backward()
        else:
            with torch.no_grad():
                model._forward(x)
        if x.is_cuda:
            torch.cuda.synchronize()
        if i:  # the first run warms up
            times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--size', type=int, nargs=2, default=[256, 256],
                        metavar=('H', 'W'))
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--zero-frac', type=float, default=0.25)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--profile', action='store_true')
    parser.add_argument('--channels-last', action='store_true',
                        help='run the models and input in channels_last')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    cfg = Config.fromfile(args.config)
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    cfg.model.backbone.backbone.pop('init_cfg', None)
    model_cfg = cfg.model.to_dict()
    supernet = MODELS.build(copy.deepcopy(model_cfg))
    arch = supernet.backbone.arch_params
    with torch.no_grad():
        for key in arch.keys():
            a = arch.alphas[key]
            a.normal_()
            zero = torch.rand(a.shape) < args.zero_frac
            if key.endswith('_cell'):
                zero[:, 1:] = zero[:1, 1:]  # the same ops on every edge
                zero[:, 1] = False  # keep skip_connect: no empty edge
            else:
                zero[:, 1] = False  # keep 'same' (or the only neighbour)
            a[zero] = -1e4
    pruned, _, report = prune_pose_model(model_cfg, supernet)
    derived_cfg = copy.deepcopy(model_cfg)
    derived_cfg['backbone']['genotype'] = \
        supernet.backbone.derive_genotype().to_dict()
    derived = MODELS.build(derived_cfg)
    device = torch.device(args.device)
    x = torch.randn(args.batch, 3, *args.size, device=device)
    memory_format = torch.channels_last if args.channels_last else \
        torch.contiguous_format
    x = x.contiguous(memory_format=memory_format)
    rows = []
    for name, net in (('supernet', supernet), ('pruned', pruned),
                      ('derived (argmax)', derived)):
        net.to(device, memory_format=memory_format)
        params = sum(p.numel() for p in net.parameters()) / 1e6
        rows.append((name, params, step_time(net, x, args.repeats),
                     step_time(net, x, args.repeats, backward=False)))
    print(f'{args.config}\nbatch {args.batch}, input {args.size[0]}x'
          f'{args.size[1]}, {args.device}, {args.threads} thread(s)'
          f'{", channels_last" if args.channels_last else ""}, median '
          f'of {args.repeats}; pruning: {report}')
    print(f'{"network":<18}{"params M":>10}{"train s":>10}{"ratio":>7}'
          f'{"infer s":>10}{"ratio":>7}')
    for name, params, t, f in rows:
        print(f'{name:<18}{params:>10.3f}{t:>10.4f}{t / rows[0][2]:>7.2f}'
              f'{f:>10.4f}{f / rows[0][3]:>7.2f}')
    if args.profile:
        from torch.profiler import ProfilerActivity, profile
        acts = [ProfilerActivity.CPU] + (
            [ProfilerActivity.CUDA] if device.type == 'cuda' else [])
        supernet.train()
        with profile(activities=acts) as prof:
            supernet._forward(x).mean().backward()
        key = 'cuda_time_total' if device.type == 'cuda' else \
            'cpu_time_total'
        print(prof.key_averages().table(sort_by=key, row_limit=15))


if __name__ == '__main__':
    main()
