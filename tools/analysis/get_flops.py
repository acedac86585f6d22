"""Parameters and multiply-adds of a (fixed or searchable) pose model.

Counting convention (MMEngine's FlopAnalyzer, fvcore rules): one fused
multiply-add = 1 FLOP, i.e. the numbers are multiply-accumulates (MACs), not
2x MACs and not divided by 2^30. Convolutions and linear layers count their
MACs, BatchNorm (inference) 2 ops per element with affine parameters and 1
without (tests/integration/test_get_flops.py checks this against a hand
count), bilinear upsampling 4 ops per
output element, nearest upsampling 1; element-wise additions, ReLU,
softmax and the soft-argmax are not counted. There is no transposed
convolution in the part-aware network. Parameters count every tensor once
(shared modules are not double counted).

Example::

    python tools/analysis/get_flops.py \
        configs/part_aware_nas/vol-int_pa-nas-c10r5f3_1xb64-20e_h36m-p2-mpii-256x256.py \
        --genotype work_dirs/search/genotype.json --input-shape 256 256
"""
import argparse
import json

import torch
from mmengine.analysis import FlopAnalyzer, parameter_count
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS

import mmposenas  # noqa: F401


def parse_args() -> argparse.Namespace:
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
    return parser.parse_args()


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
    analyzer = FlopAnalyzer(wrapped, inputs)
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    params = parameter_count(model)['']
    arch = sum(p.numel() for n, p in model.named_parameters()
               if 'arch_params' in n)
    return dict(params=params, arch_params=arch, macs=analyzer.total(),
                input_shape=[height, width])


def main() -> None:
    args = parse_args()
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
    print(f'input {h}x{w}: params {result["params"] / 1e6:.2f} M '
          f'(of which α {result["arch_params"]}), '
          f'{result["macs"] / 1e9:.2f} GMACs (multiply-adds)')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=2)


if __name__ == '__main__':
    main()
