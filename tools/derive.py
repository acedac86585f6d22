"""Derive the genotype of a searched checkpoint and write it as JSON/YAML.

Example::

    python tools/derive.py configs/darts_pose/td-hm_darts-tiny-search-fo_1xb7-4e_coco-sample-64x48.py \
        work_dirs/search/epoch_4.pth --out work_dirs/search/derived.json
"""
import argparse
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.runner import load_checkpoint
from mmpose.registry import MODELS
from mmengine.registry import init_default_scope

import mmposenas  # noqa: F401
from mmposenas.models.search import check_finite_arch, searchable_modules


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Derive the genotype of a supernet checkpoint')
    parser.add_argument('config', help='the search config')
    parser.add_argument('checkpoint', help='a checkpoint of that search')
    parser.add_argument('--out', required=True,
                        help='genotype file to write (.json, .yaml or .yml)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if not args.out.endswith(('.json', '.yaml', '.yml')):
        raise ValueError(f'--out must end with .json, .yaml or .yml, got '
                         f'{args.out!r}')
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint {args.checkpoint!r} not found')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    model = MODELS.build(cfg.model)
    modules = searchable_modules(model)
    if len(modules) != 1:
        raise ValueError(f'config {args.config!r} builds {len(modules)} '
                         f'searchable modules; expected a supernet with one '
                         f'(is model.backbone.genotype set?)')
    load_checkpoint(model, args.checkpoint, map_location='cpu', strict=True)
    check_finite_arch(modules[0], f'checkpoint {args.checkpoint!r}')
    genotype = modules[0].derive_genotype()
    genotype.save(args.out)
    print(genotype.to_json(), end='')
    print(f'genotype written to {args.out}')


if __name__ == '__main__':
    main()
