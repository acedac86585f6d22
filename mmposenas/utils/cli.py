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


def setup_cpu_distributed(cfg: Config) -> bool:
    """Let MMEngine's distributed runner work on machines without a GPU.

    MMEngine 0.10.7's ``init_dist('pytorch')`` calls ``torch.cuda.set_device``
    and its runner wraps the model with ``device_ids=[LOCAL_RANK]``, which DDP
    rejects for a CPU module. With ``launcher='pytorch'`` (torchrun sets
    ``RANK``/``WORLD_SIZE``/``MASTER_ADDR``) and no CUDA device this
    initialises the gloo process group before the Runner is built (the Runner
    then skips ``init_dist``) and wraps the model in
    ``MMDistributedDataParallel(device_ids=None)``, keeping the config's
    other wrapper settings (e.g. ``find_unused_parameters``). With a GPU, or
    another launcher, nothing changes.

    Args:
        cfg (Config): The merged config (``cfg.launcher`` set).

    Returns:
        bool: Whether the CPU (gloo) path was set up.
    """
    import torch
    import torch.distributed as dist

    if cfg.get('launcher', 'none') != 'pytorch' or torch.cuda.is_available():
        return False
    if not dist.is_initialized():
        dist_cfg = cfg.get('env_cfg', {}).get('dist_cfg', {})
        timeout = dist_cfg.get('timeout')
        kwargs = {}
        if timeout is not None:
            import datetime
            kwargs['timeout'] = datetime.timedelta(seconds=int(timeout))
        dist.init_process_group(backend='gloo', **kwargs)
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    wrapper.setdefault('type', 'MMDistributedDataParallel')
    wrapper['device_ids'] = None
    wrapper.setdefault('broadcast_buffers', False)
    if 'find_unused_parameters' in cfg and \
            'find_unused_parameters' not in wrapper:
        wrapper['find_unused_parameters'] = cfg.find_unused_parameters
    cfg.model_wrapper_cfg = wrapper
    return True
