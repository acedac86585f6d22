"""Prune a searched PoseNFS checkpoint (zero-weight ops, neighbours, cells).

Writes the continuous genotype of the searched α/β (every op and neighbour of
non-zero weight, with its weight) and a checkpoint of the pruned fixed
network, which computes exactly what the supernet computed (``--verify``
checks it on a random batch), and prints the parameters and multiply-adds
(MMEngine ``FlopAnalyzer``, one image at ``--input-shape`` or the codec's
input size) before and after. Test the pruned network with::

    python tools/analysis/prune_fabric.py CONFIG work_dirs/search/epoch_4.pth \
        --out-dir work_dirs/pruned --verify
    python tools/test.py configs/posenfs/td-vip_pnfs-tiny-fixed_1xb7-8e_coco-sample-64x48.py \
        work_dirs/pruned/pruned.pth \
        --cfg-options model.backbone.genotype=work_dirs/pruned/genotype.json
"""
import argparse
import json
import os
import os.path as osp

import torch
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint, save_checkpoint
from mmpose.registry import MODELS

import mmposenas  # noqa: F401
from mmposenas.models.backbones import prune_pose_model
from mmposenas.models.search.cost import count_macs
from mmposenas.utils.io import atomic_write_text


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Prune a searched PoseNFS checkpoint without retraining')
    parser.add_argument('config', help='the search config (supernet)')
    parser.add_argument('checkpoint', help='a checkpoint of that search')
    parser.add_argument('--out-dir', required=True,
                        help='writes genotype.json, pruned.pth and '
                        'report.json here')
    parser.add_argument('--verify', action='store_true',
                        help='check that supernet and pruned network give '
                        'identical outputs on a random batch')
    parser.add_argument('--input-shape', type=int, nargs=2, default=None,
                        help='H W of the --verify batch (default: the '
                        "codec's input size)")
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value')
    return parser.parse_args()


class _Forward(torch.nn.Module):
    """Backbone + head tensor forward of a pose model."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model._forward(x)


def multiply_adds(model: torch.nn.Module, height: int, width: int) -> int:
    """MACs of one (1, 3, H, W) image through ``model._forward``."""
    model.eval()
    with torch.no_grad():
        return int(count_macs(_Forward(model),
                              (torch.randn(1, 3, height, width), )).total())


def main() -> None:
    args = parse_args()
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint {args.checkpoint!r} not found')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if cfg.model.backbone.get('genotype') is not None:
        raise ValueError(f'config {args.config!r} builds a fixed network '
                         f'(model.backbone.genotype is set); give the search '
                         f'config')
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    model = MODELS.build(cfg.model)
    load_checkpoint(model, args.checkpoint, map_location='cpu', strict=True)
    model_cfg = cfg.model.to_dict()
    pruned, genotype, report = prune_pose_model(model_cfg, model)

    os.makedirs(args.out_dir, exist_ok=True)
    genotype.save(osp.join(args.out_dir, 'genotype.json'))
    out = osp.join(args.out_dir, 'pruned.pth')
    save_checkpoint(dict(state_dict=pruned.state_dict(),
                         meta=dict(pruned_from=args.checkpoint)), out + '.tmp')
    os.replace(out + '.tmp', out)
    if args.input_shape:
        h, w = args.input_shape
    else:
        w, h = cfg.codec['input_size']
    report['input_shape'] = [h, w]
    report['macs_before'] = multiply_adds(model, h, w)
    report['macs_after'] = multiply_adds(pruned, h, w)
    if args.verify:
        x = torch.randn(2, 3, h, w, generator=torch.Generator().manual_seed(0))
        model.eval()
        pruned.eval()
        with torch.no_grad():
            a, b = model._forward(x), pruned._forward(x)
        report['identical_outputs'] = bool(torch.equal(a, b))
        if not report['identical_outputs']:
            raise RuntimeError(f'pruned network differs from the supernet: '
                               f'max |diff| {(a - b).abs().max().item()}')
    text = json.dumps(report, indent=1)
    atomic_write_text(osp.join(args.out_dir, 'report.json'), text + '\n')
    print(text)
    print(f'pruned genotype and checkpoint written to {args.out_dir}')


if __name__ == '__main__':
    main()
