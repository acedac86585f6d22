"""Save a model's initial weights as a checkpoint (e.g. to test it untrained).

Example::

    python tools/analysis/save_init_checkpoint.py CONFIG work_dirs/init.pth \
        --cfg-options model.backbone.genotype=work_dirs/search/genotype.json
    python tools/test.py CONFIG work_dirs/init.pth   # accuracy before training
"""
import argparse
import os

from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import save_checkpoint
from mmengine.runner.utils import set_random_seed
from mmpose.registry import MODELS

import mmposenas  # noqa: F401


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Build a model from its config, initialise it and save '
        'the weights as an MMEngine checkpoint')
    parser.add_argument('config', help='model config')
    parser.add_argument('out', help='checkpoint file to write (.pth)')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if not args.out.endswith('.pth'):
        raise ValueError(f'checkpoint must end with .pth, got {args.out!r}')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    set_random_seed(args.seed)
    model = MODELS.build(cfg.model)
    model.init_weights()
    # write then rename, so an interrupted run leaves no half-written file
    tmp = args.out + '.tmp'
    save_checkpoint(dict(state_dict=model.state_dict(),
                         meta=dict(seed=args.seed, init=True)), tmp)
    os.replace(tmp, args.out)
    print(f'initial weights written to {args.out}')


if __name__ == '__main__':
    main()
