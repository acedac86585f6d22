"""Helpers shared by the command-line tools (tools/train.py, tools/test.py)."""
import argparse
import os.path as osp

from mmengine.config import Config


def set_work_dir(cfg: Config, args: argparse.Namespace) -> None:
    """``--work-dir``, else the config's, else ``work_dirs/<config name>``."""
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])


def apply_visualization_args(cfg: Config, args: argparse.Namespace) -> None:
    """``--show``/``--show-dir``/``--interval``/``--wait-time`` as MMPose."""
    if not (args.show or args.show_dir):
        return
    hooks = cfg.default_hooks
    if 'visualization' not in hooks:
        raise KeyError('--show/--show-dir need default_hooks.visualization '
                       '(PoseVisualizationHook) in the config')
    hooks.visualization.enable = True
    hooks.visualization.show = args.show
    hooks.visualization.wait_time = args.wait_time
    hooks.visualization.interval = args.interval
    if args.show_dir:
        hooks.visualization.out_dir = args.show_dir
