"""Training-set statistics for 2D-to-3D lifting (input / target normalisation).

Builds the training dataset of a config (without its pipeline), reads every
sample's 2D ``keypoints`` (image pixels) and 3D ``lifting_target`` and writes
per-joint mean and std of the 2D joints and of the root-relative 3D joints as
JSON (atomically), the ``stats_file`` of ``NormalisedImagePoseLifting``.

Example::

    python tools/analysis/compute_lifting_stats.py \
        configs/baselines/lifting/lift_simple-baseline_1xb64-200e_h36m-p2.py \
        --out data/h36m/annotation_body3d/lifting_stats_p2.json
"""
import argparse

import numpy as np
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS

import mmposenas  # noqa: F401
from mmposenas.codecs.normalised_pose_lifting import (compute_lifting_stats,
                                                      save_lifting_stats)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config with a train_dataloader')
    parser.add_argument('--out', required=True, help='JSON file to write')
    parser.add_argument('--root-index', type=int, default=0)
    parser.add_argument('--keep-root', action='store_true',
                        help='keep the root joint in the target statistics '
                        '(codec remove_root=False)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    ds_cfg = cfg.train_dataloader.dataset.copy()
    ds_cfg['pipeline'] = []
    dataset = DATASETS.build(ds_cfg)
    keypoints, targets = [], []
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        for key in ('keypoints', 'lifting_target'):
            if key not in info:
                raise KeyError(f'{args.config}: training sample {i} has no '
                               f'{key!r} (a 3D dataset such as '
                               'Human36mImageDataset is needed)')
        kpts = np.asarray(info['keypoints'], dtype=np.float64)[..., :2]
        keypoints.append(kpts.reshape(-1, kpts.shape[-2], 2))
        targets.append(np.asarray(info['lifting_target'],
                                  dtype=np.float64).reshape(-1,
                                                            kpts.shape[-2], 3))
    stats = compute_lifting_stats(
        np.concatenate(keypoints), np.concatenate(targets),
        root_index=args.root_index, remove_root=not args.keep_root)
    save_lifting_stats(args.out, stats)
    print(f'statistics of {len(dataset)} samples written to {args.out}')


if __name__ == '__main__':
    main()
