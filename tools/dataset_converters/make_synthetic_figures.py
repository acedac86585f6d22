"""Generate the synthetic-figures proxy dataset (COCO 2D + Human3.6M 3D).

Example::

    python tools/dataset_converters/make_synthetic_figures.py \
        --out data/synthetic --num 2000 --num-val 200 --seed 0

The same arguments give byte-identical files. The folder is written to a
temporary sibling and renamed into place when complete, so an interrupted run
leaves no half-written dataset. See ``docs/synthetic_figures.md``.
"""
import argparse
import os
import os.path as osp
import sys
import time

from tqdm import tqdm


def _size(text: str):
    """``256`` or ``1000x1002`` -> (w, h)."""
    try:
        parts = [int(v) for v in text.lower().split('x')]
    except ValueError:
        parts = []
    if len(parts) == 1:
        parts = parts * 2
    if len(parts) != 2 or min(parts) < 32:
        raise argparse.ArgumentTypeError(
            f'--size expects N or WxH with sides >= 32, got {text!r}')
    return tuple(parts)


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description='Render seeded synthetic articulated figures with exact '
        '2D/3D labels in MMPose formats.')
    p.add_argument('--out', default='data/synthetic',
                   help='output folder (default: data/synthetic)')
    p.add_argument('--num', type=int, default=2000,
                   help='images in the train split (default: 2000)')
    p.add_argument('--num-val', type=int, default=None,
                   help='images in the val split (default: num // 10, at '
                   'least 1; 0 for no val split)')
    p.add_argument('--num-test', type=int, default=0,
                   help='images in an extra test split (default: 0)')
    p.add_argument('--split', choices=['train', 'val', 'test'], nargs='+',
                   default=None,
                   help='only generate these splits (default: all with a '
                   'non-zero size)')
    p.add_argument('--seed', type=int, default=0, help='master seed')
    p.add_argument('--size', type=_size, default=(256, 256),
                   help='frame size, N or WxH (default: 256; Human3.6M full '
                   'frames are 1000x1002)')
    p.add_argument('--cameras', type=int, default=4,
                   help='cameras per subject; every pose is rendered once per '
                   'camera (default: 4)')
    p.add_argument('--figures-per-subject', type=int, default=40,
                   help='poses per subject (default: 40)')
    p.add_argument('--occluder-prob', type=float, default=0.25,
                   help='probability of random occluders per image')
    p.add_argument('--backgrounds', default='auto',
                   help="folder of background photos; 'auto' = the repo's "
                   "data/samples, 'none' = procedural backgrounds only")
    p.add_argument('--jpeg-quality', type=int, default=95)
    p.add_argument('--workers', type=int, default=min(2, os.cpu_count() or 1),
                   help='worker processes (0 = main process); the output does '
                   'not depend on it')
    p.add_argument('--overwrite', action='store_true',
                   help='replace an existing --out folder')
    p.add_argument('--quiet', action='store_true', help='no progress bar')
    args = p.parse_args(argv)
    if args.num_val is None:
        args.num_val = max(1, args.num // 10)
    for name in ('num', 'num_val', 'num_test'):
        if getattr(args, name) < 0:
            p.error(f'--{name.replace("_", "-")} must be >= 0')
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    # Import late: --help stays fast. Works from a checkout without install.
    repo = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    if repo not in sys.path:
        sys.path.insert(0, repo)
    from mmposenas.datasets.synthetic import (SyntheticFiguresConfig,
                                              generate_synthetic_figures)

    sizes = {'train': args.num, 'val': args.num_val, 'test': args.num_test}
    wanted = args.split or [s for s, n in sizes.items() if n > 0]
    splits = {s: sizes[s] for s in wanted}
    empty = [s for s, n in splits.items() if n < 1]
    if empty:
        print(f'error: split(s) {empty} requested with 0 images',
              file=sys.stderr)
        return 2
    try:
        config = SyntheticFiguresConfig(
            splits=splits,
            seed=args.seed,
            image_size=args.size,
            num_cameras=args.cameras,
            figures_per_subject=args.figures_per_subject,
            occluder_prob=args.occluder_prob,
            background_dir=args.backgrounds,
            jpeg_quality=args.jpeg_quality)
    except (ValueError, FileNotFoundError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    if osp.exists(args.out) and not args.overwrite:
        print(f'error: {args.out} exists; pass --overwrite to replace it',
              file=sys.stderr)
        return 2

    total = sum(splits.values())
    bar = tqdm(total=total, unit='img', disable=args.quiet,
               desc='synthetic figures')

    def progress(n, split):
        bar.set_postfix_str(split, refresh=False)
        bar.update(n)

    t0 = time.perf_counter()
    try:
        meta = generate_synthetic_figures(
            args.out, config, workers=args.workers, overwrite=args.overwrite,
            progress=progress)
    finally:
        bar.close()
    dt = time.perf_counter() - t0
    print(f'wrote {total} images to {args.out} in {dt:.1f}s '
          f'({total / dt:.0f} img/s, {args.workers} workers)')
    for split, info in meta['splits'].items():
        print(f'  {split}: {info["images"]} images, {info["figures"]} '
              f'figures, subjects {info["subjects"][0]}..'
              f'{info["subjects"][-1]} -> {info["coco"]}, {info["h36m"]}')
    print(f'  cameras: {meta["cameras"]}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
