"""Parameters and multiply-adds of a (fixed or searchable) pose model.

Counting convention (MMEngine's FlopAnalyzer, fvcore rules): one fused
multiply-add = 1 FLOP, i.e. the numbers are multiply-accumulates (MACs), not
2x MACs and not divided by 2^30. Convolutions and linear layers count their
MACs, BatchNorm (inference) 2 ops per element with affine parameters and 1
without (tests/integration/test_get_flops_tiny_configs.py checks this against a hand
count), bilinear upsampling 4 ops per
output element, nearest upsampling 1; element-wise additions, ReLU,
softmax and the soft-argmax are not counted. Parameters count every tensor
once (shared modules are not double counted).

Other conventions of the seed papers are printed beside it:

* PoseNFS reports "GFLOPs" = multiply-adds / 2^30 (not 10^9);
* the part-aware paper counts a transposed convolution at its output
  resolution (C_in · C_out / groups · k_h · k_w · H_out · W_out), where fvcore
  counts it at the input resolution; the difference only matters for models
  with deconvolution heads (e.g. the ResNet-50 + deconvolution baseline).

Example::

    python tools/analysis/get_flops.py \
        configs/part_aware_nas/vol-int_pa-nas-c10r5f3_1xb64-20e_h36m-p2-mpii-256x256.py \
        --genotype work_dirs/search/genotype.json --input-shape 256 256
"""
import argparse
import json
import math
from typing import List, Optional

import torch
from mmengine.analysis import parameter_count
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS

import mmposenas  # noqa: F401
from mmposenas.models.search import arch_parameters
from mmposenas.models.search.cost import count_macs
from mmposenas.utils.io import atomic_write_text


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Count parameters and multiply-adds of a pose model')
    parser.add_argument('config', help='model config')
    parser.add_argument('--genotype',
                        help='genotype file for model.backbone.genotype')
    parser.add_argument('--input-shape', type=int, nargs=2,
                        default=[256, 256], help='input height and width')
    parser.add_argument('--json', help='also write the numbers to this file')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value')
    return parser.parse_args(argv)


def transposed_conv_correction(model: torch.nn.Module,
                               inputs: tuple) -> int:
    """Extra MACs when transposed convs count at their output resolution.

    Runs ``model`` once with forward hooks on every ``ConvTranspose{1,2,3}d``
    and returns ``sum(macs_at_output - macs_at_input)`` (0 without any).
    """
    extra = [0]

    def hook(module, args, output):
        x = args[0]
        per_position = (module.in_channels * module.out_channels //
                        module.groups) * math.prod(module.kernel_size)
        at_in = x.shape[0] * math.prod(x.shape[2:]) * per_position
        at_out = output.shape[0] * math.prod(output.shape[2:]) * per_position
        extra[0] += at_out - at_in

    kinds = (torch.nn.ConvTranspose1d, torch.nn.ConvTranspose2d,
             torch.nn.ConvTranspose3d)
    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, kinds)]
    try:
        if handles:
            model(*inputs)
    finally:
        for h in handles:
            h.remove()
    return extra[0]


class _Forward(torch.nn.Module):
    """Backbone + head tensor forward (what inference computes)."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor):
        return self.model._forward(x)


def count(model: torch.nn.Module, height: int, width: int) -> dict:
    """Parameters and MACs of ``model._forward`` on one (1, 3, H, W) input."""
    model.eval()
    inputs = (torch.randn(1, 3, height, width), )
    wrapped = _Forward(model)
    analyzer = count_macs(wrapped, inputs)
    params = parameter_count(model)['']
    arch = sum(p.numel() for p in arch_parameters(model))
    macs = analyzer.total()
    macs_out_res = macs + transposed_conv_correction(wrapped, inputs)
    return dict(params=params, arch_params=arch, macs=macs,
                macs_transposed_at_output=macs_out_res,
                posenfs_gflops=macs / 2**30, input_shape=[height, width])


def _human(n: float) -> str:
    """``n`` with a G / M / k prefix and 3 significant digits."""
    for scale, prefix in ((1e9, 'G'), (1e6, 'M'), (1e3, 'k')):
        if abs(n) >= scale:
            return f'{n / scale:.3g} {prefix}'
    return f'{n:g} '


def report(result: dict) -> str:
    """The numbers in every convention, one per line."""
    h, w = result['input_shape']
    lines = [
        f'input {h}x{w}: params {_human(result["params"])} '
        f'({result["params"]} incl. {result["arch_params"]} α), '
        f'{_human(result["macs"])}MACs (multiply-adds)',
        f'  MMEngine/fvcore convention (1 multiply-add = 1 FLOP): '
        f'{result["macs"]} MACs',
        f'  part-aware paper (transposed convs at output resolution): '
        f'{result["macs_transposed_at_output"]} MACs',
        f'  PoseNFS "GFLOPs" (multiply-adds / 2^30): '
        f'{result["posenfs_gflops"]:.4g}',
    ]
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> dict:
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.genotype:
        cfg.model.backbone.genotype = args.genotype
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    model = MODELS.build(cfg.model)
    h, w = args.input_shape
    with torch.no_grad():
        result = count(model, h, w)
    print(report(result))
    if args.json:
        atomic_write_text(args.json, json.dumps(result, indent=2) + '\n')
    return result


if __name__ == '__main__':
    main()
