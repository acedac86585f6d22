"""Largest pixel error of MMPose's SimpleCamera projecting ``S`` onto ``part``.

Generates proxy figures (default: 240 train + 80 val at 128x128, seed 0)
into a temporary directory and projects every figure's camera-space joints
``S`` with the stored camera; prints the largest and the mean absolute
difference to the stored 2D labels ``part`` in pixels (docs/
synthetic_figures.md quotes the largest).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/synthetic_projection_error.py
"""
import argparse
import os.path as osp
import pickle
import tempfile

import numpy as np
from mmpose.utils.camera import SimpleCamera

from mmposenas.datasets.synthetic import (CAMERAS_PATH,
                                          SyntheticFiguresConfig,
                                          annotation_paths,
                                          generate_synthetic_figures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--train', type=int, default=240)
    parser.add_argument('--val', type=int, default=80)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = osp.join(tmp, 'figures')
        generate_synthetic_figures(
            out,
            SyntheticFiguresConfig(
                seed=args.seed, image_size=(128, 128),
                splits=dict(train=args.train, val=args.val)))
        with open(osp.join(out, CAMERAS_PATH), 'rb') as f:
            cameras = pickle.load(f)
        errors = []
        for split in ('train', 'val'):
            npz = np.load(osp.join(out, annotation_paths(split)['h36m']))
            for i, name in enumerate(npz['imgname']):
                subject, rest = osp.basename(name).split('_', 1)
                camera = rest.split('.', 1)[1].split('_', 1)[0]
                cam = SimpleCamera(cameras[(subject, camera)])
                uv = cam.camera_to_pixel(npz['S'][i, :, :3])
                errors.append(np.abs(uv - npz['part'][i, :, :2]))
    errors = np.stack(errors)
    print(f'{len(errors)} figures: largest |error| {errors.max():.2e} px, '
          f'mean {errors.mean():.2e} px')


if __name__ == '__main__':
    main()
