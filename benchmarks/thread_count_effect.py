"""Does the CPU thread count change a training run? (docs/testing.md)

Runs the tiny 2D DARTS search (1 epoch of 2 iterations, α stepped from the
first iteration, the demo's loader settings) once per entry of ``--threads``,
each in a fresh process with ``torch.set_num_threads(T)``, and compares every
tensor of the resulting state dicts with those of the first run:

    .venv/bin/python benchmarks/thread_count_effect.py --threads 1 1 2

prints, per run, how many of the state-dict tensors differ from run 0 and
the largest absolute difference. Two runs with the same thread count must
be identical (the seeding is complete); a different thread count splits
floating-point reductions differently and changes the last bits.
"""
import argparse
import os
import os.path as osp
import subprocess
import sys
import tempfile
from typing import List, Optional

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = osp.join(REPO, 'configs/darts_pose/'
                  'td-hm_darts-tiny-search-fo_1xb7-4e_coco-sample-64x48.py')


def train_once(config: str, work_dir: str, threads: int) -> None:
    """One tiny search with ``threads`` intra-op threads (in this process)."""
    import torch
    torch.set_num_threads(threads)
    from mmengine.config import Config
    from mmengine.runner import Runner

    import mmposenas  # noqa: F401
    Runner.from_cfg(tiny_search_config(Config.fromfile(config),
                                       work_dir)).train()


def tiny_search_config(cfg, work_dir: str):
    """The tiny search of this check (also used by test_determinism.py).

    1 epoch of 2 iterations of 3 instances, α stepped from the first
    iteration, the demo's loader settings (2 persistent workers).

    Args:
        cfg (mmengine.Config): The tiny 2D DARTS search config.
        work_dir (str): Work directory of the run.

    Returns:
        mmengine.Config: ``cfg``, changed in place.
    """
    cfg.work_dir = str(work_dir)
    cfg.train_cfg.max_epochs = 1
    cfg.train_cfg.val_interval = 100
    cfg.custom_hooks[1].begin_epoch = 0
    cfg.train_dataloader.num_workers = 2
    cfg.train_dataloader.persistent_workers = True
    for loader in (cfg.train_dataloader, cfg.custom_hooks[1].arch_dataloader):
        loader.batch_size = 3
        loader.dataset.indices = 6  # 2 iterations of 3 instances
    return cfg


def compare(paths: List[str]) -> List[tuple]:
    """(tensors differing from run 0, tensors, max abs diff) per run."""
    import torch
    states = [torch.load(p, map_location='cpu', weights_only=False)
              ['state_dict'] for p in paths]
    rows = []
    for state in states:
        differ, worst = 0, 0.0
        for key, ref in states[0].items():
            value = state[key]
            if not torch.equal(ref, value):
                differ += 1
                if ref.is_floating_point():
                    worst = max(worst, (ref - value).abs().max().item())
        rows.append((differ, len(states[0]), worst))
    return rows


def main(argv: Optional[List[str]] = None) -> List[tuple]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--threads', type=int, nargs='+', default=[1, 1, 2])
    parser.add_argument('--config', default=CONFIG)
    parser.add_argument('--work-dir', help='default: a temporary folder')
    parser.add_argument('--child', nargs=2, metavar=('WORK_DIR', 'THREADS'),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        train_once(args.config, args.child[0], int(args.child[1]))
        return []
    root = args.work_dir or tempfile.mkdtemp(prefix='thread_effect_')
    paths = []
    for i, threads in enumerate(args.threads):
        work_dir = osp.join(root, f'run{i}_threads{threads}')
        env = dict(os.environ, OMP_NUM_THREADS=str(threads),
                   MKL_NUM_THREADS=str(threads),
                   PYTHONPATH=REPO + os.pathsep + os.environ.get(
                       'PYTHONPATH', ''))
        subprocess.run([sys.executable, osp.abspath(__file__), '--config',
                        args.config, '--child', work_dir, str(threads)],
                       check=True, env=env, cwd=REPO,
                       stdout=subprocess.DEVNULL)
        paths.append(osp.join(work_dir, 'epoch_1.pth'))
    rows = compare(paths)
    print('run  threads  tensors differing from run 0   max abs diff')
    for i, (threads, (differ, total, worst)) in enumerate(
            zip(args.threads, rows)):
        print(f'{i:3d}  {threads:7d}  {differ:5d} of {total:5d}'
              f'{"":16s}{worst:.3g}')
    return rows


if __name__ == '__main__':
    main()
