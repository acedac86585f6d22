"""Merge a 2D heatmap checkpoint and a lifter checkpoint (separate training).

The result loads into ``HeatmapLiftingEstimator`` (state-dict prefixes
``pose2d.`` and ``lifter.``), so ``tools/test.py`` evaluates the two
separately trained networks chained on images. Written atomically.

Example::

    python tools/analysis/combine_lifting_checkpoints.py \
        work_dirs/hm_res50/epoch_70.pth work_dirs/lifter/epoch_200.pth \
        --out work_dirs/hm-lift_separate.pth
"""
import argparse
import os

import torch
from mmengine.runner import save_checkpoint

import mmposenas  # noqa: F401  (allow-lists checkpoint globals)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('pose2d', help='TopdownPoseEstimator checkpoint')
    parser.add_argument('lifter', help='PoseLifter checkpoint')
    parser.add_argument('--out', required=True, help='.pth to write')
    return parser.parse_args(argv)


def _state_dict(path: str) -> dict:
    ckpt = torch.load(path, map_location='cpu')
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict) or not state:
        raise ValueError(f'{path}: no state_dict in the checkpoint')
    return state


def combine(pose2d: str, lifter: str) -> dict:
    """State dict of ``HeatmapLiftingEstimator`` from the two checkpoints."""
    merged = {}
    for prefix, path in (('pose2d.', pose2d), ('lifter.', lifter)):
        for key, value in _state_dict(path).items():
            if key.startswith('data_preprocessor.'):
                continue
            merged[prefix + key] = value
    return merged


def main(argv=None) -> None:
    args = parse_args(argv)
    if not args.out.endswith('.pth'):
        raise ValueError(f'--out must end with .pth, got {args.out!r}')
    state = combine(args.pose2d, args.lifter)
    tmp = args.out + '.tmp'
    save_checkpoint(
        dict(state_dict=state,
             meta=dict(pose2d=args.pose2d, lifter=args.lifter)), tmp)
    os.replace(tmp, args.out)
    print(f'{len(state)} tensors written to {args.out}')


if __name__ == '__main__':
    main()
