"""Evaluate a checkpoint with MMPose metrics, as MMPose's test.py.

Example::

    python tools/test.py CONFIG CHECKPOINT --out work_dirs/x/metrics.json
"""
import argparse
import json
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.hooks import Hook
from mmengine.dist import is_main_process
from mmengine.runner import Runner

import mmposenas  # noqa: F401  (registers mmposenas into mmpose.registry)
from mmposenas.utils.cli import (apply_visualization_args, set_work_dir,
                                 setup_cpu_distributed)
from mmposenas.utils.io import atomic_write_text


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Evaluate a pose model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir',
                        help='the directory to save the evaluation logs')
    parser.add_argument('--out', help='write the metrics to this JSON file')
    parser.add_argument('--dump',
                        help='dump predictions to this pickle file for '
                        'offline evaluation')
    parser.add_argument('--show-dir',
                        help='directory where visualisations are saved')
    parser.add_argument('--show', action='store_true',
                        help='display predictions')
    parser.add_argument('--interval', type=int, default=1,
                        help='visualisation interval')
    parser.add_argument('--wait-time', type=float, default=1,
                        help='display time of every window (s)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'],
                        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Fold the command-line flags into the config."""
    set_work_dir(cfg, args)
    cfg.launcher = args.launcher
    cfg.load_from = args.checkpoint

    apply_visualization_args(cfg, args)

    if args.dump is not None:
        if not args.dump.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--dump must end with .pkl or .pickle, got '
                             f'{args.dump!r}')
        dump = dict(type='DumpResults', out_file_path=args.dump)
        evaluator = cfg.test_evaluator
        if isinstance(evaluator, (list, tuple)):
            cfg.test_evaluator = [*evaluator, dump]
        else:
            cfg.test_evaluator = [evaluator, dump]

    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


class SaveMetricsHook(Hook):
    """Write the test metrics to a JSON file (atomically, by rank 0)."""

    def __init__(self, out_file: str) -> None:
        self.out_file = out_file

    def after_test_epoch(self, runner, metrics=None) -> None:
        if metrics is not None and is_main_process():
            atomic_write_text(
                self.out_file,
                json.dumps({k: float(v) if isinstance(v, (int, float)) else v
                            for k, v in metrics.items()}, indent=2) + '\n')
            runner.logger.info(f'metrics written to {self.out_file}')


def main() -> None:
    args = parse_args()
    if args.out is not None and not args.out.endswith('.json'):
        raise ValueError(f'--out must end with .json, got {args.out!r}')
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint {args.checkpoint!r} not found')
    cfg = merge_args(Config.fromfile(args.config), args)
    setup_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)
    if args.out is not None:
        runner.register_hook(SaveMetricsHook(args.out), 'LOWEST')
    runner.test()


if __name__ == '__main__':
    main()
