"""Compute part groups of the body joints from 3D pose annotations.

Strategy I (``--strategy even``) splits the dataset joint order evenly into
``--num-groups`` groups; Strategy II (``--strategy mi``, default) moves the
joints of every sample to the global frame with the camera extrinsics,
centres them on the pelvis, drops duplicate poses (the same frame seen by
several cameras), estimates the pairwise mutual information of the joints'
3D positions and partitions the joints by spectral clustering of the
heat-kernel affinity (Eq. 11, gamma=1, delta=0.5) of an MI-derived distance.
MI estimators (``--estimator``): ``ksg`` (default; k-nearest neighbours,
``--k 5``, on the continuous positions) or ``binned`` (the paper's Eq. 10 on
``--bins``^3 voxels of a body-circumscribing cube, shuffle bias-corrected).

Group order: the groups are emitted sorted by their smallest joint index
(joints ascending inside a group); ``--group-order 2,0,1`` writes
``[groups[2], groups[0], groups[1]]`` instead. The backbone assigns the
groups to fusion nodes in the order of the file (or of its own
``group_order`` option).

Writes a JSON (``groups``: list of joint-index lists, read by
``mmposenas.parts.resolve_groups`` / ``load_groups``; ``command``: how it was
made; ``comment``: ``--comment``) and a PNG of the MI matrix, both
atomically.

Example::

    python tools/analysis/group_parts.py work_dirs/groups_h36m_5.json \\
        --data-root data/h36m \\
        --ann-file annotation_body3d/fps10/h36m_train.npz \\
        --camera-file annotation_body3d/cameras.pkl \\
        --subjects S1 S5 S6 S7 S8 --num-groups 5
"""
import argparse
import io
import os.path as osp
import shlex
import sys
from typing import List, Optional, Tuple

import numpy as np

from mmposenas.utils.io import atomic_write_bytes


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Group body joints into parts from 3D annotations.')
    parser.add_argument('out', help='output JSON file')
    src = parser.add_argument_group('data (an H36M .npz or a config)')
    src.add_argument('--config', help='config whose dataset (see '
                     '--dataset-key) is, or combines, Human36mImageDataset')
    src.add_argument(
        '--dataset-key',
        nargs='+',
        default=['train_dataloader.dataset'],
        help='dotted key(s) of the dataset(s) in --config; the poses of '
        'several are pooled (e.g. train_dataloader.dataset '
        'arch_dataloader.dataset: all search subjects)')
    src.add_argument('--data-root', default='', help='root of the files')
    src.add_argument('--ann-file', help='MMPose H36M .npz annotation')
    src.add_argument('--camera-file', help='cameras.pkl with extrinsics')
    src.add_argument('--subjects', nargs='+', help='e.g. S1 S5 S6 S7 S8')
    src.add_argument('--frame-interval', type=int, default=1)
    src.add_argument(
        '--no-thorax',
        action='store_true',
        help='use the 17 H36M joints (default: 18 with the MPII thorax)')
    grp = parser.add_argument_group('grouping')
    grp.add_argument('--strategy', choices=['mi', 'even'], default='mi')
    grp.add_argument('--num-groups', type=int, required=True)
    grp.add_argument(
        '--estimator', choices=['ksg', 'binned'], default='ksg',
        help='MI estimator: k-nearest neighbours on the positions (default) '
        'or the paper\'s voxel histogram (Eq. 10)')
    grp.add_argument('--k', type=int, default=5, help='KSG neighbours')
    grp.add_argument('--bins', type=int, default=64,
                     help='voxels per axis (binned estimator)')
    grp.add_argument(
        '--cube-size',
        type=float,
        help='cube edge in mm (default: circumscribes all poses)')
    grp.add_argument('--gamma', type=float, default=1.0)
    grp.add_argument('--delta', type=float, default=0.5)
    grp.add_argument(
        '--affinity-mode', choices=['distance', 'scaled', 'literal'],
        help='MI -> distance for Eq. 11 (default: scaled for ksg, distance '
        'for binned)')
    grp.add_argument(
        '--bias-correction', choices=['shuffle', 'none'], default='shuffle',
        help='subtract the MI of a shuffled pair (removes the small-sample '
        'bias of fine voxel grids)')
    grp.add_argument('--seed', type=int, default=0)
    grp.add_argument(
        '--group-order',
        help='comma-separated permutation of the groups as found (they are '
        'emitted sorted by their smallest joint): 2,0,1 writes the third '
        'group first')
    parser.add_argument('--comment', default='',
                        help='free text stored as "comment" in the JSON')
    parser.add_argument('--png', help='MI matrix figure (default: OUT.png)')
    return parser.parse_args(argv)


def build_datasets(args: argparse.Namespace) -> list:
    """Build the Human36mImageDataset(s) to read 3D joints from."""
    import mmposenas  # noqa: F401  (registers the dataset)
    from mmpose.registry import DATASETS
    if args.config:
        from mmengine.config import Config
        cfg = Config.fromfile(args.config)
        ds_cfgs = []
        for dataset_key in args.dataset_key:
            node = cfg
            for key in dataset_key.split('.'):
                if key not in node:
                    sys.exit(f'error: {args.config} has no {dataset_key!r}')
                node = node[key]
            cfgs = node.get('datasets', [node])
            cfgs = [c for c in cfgs
                    if c.get('type') == 'Human36mImageDataset']
            if not cfgs:
                sys.exit(f'error: {dataset_key} in {args.config} is not '
                         'and does not combine a Human36mImageDataset')
            ds_cfg = cfgs[0].copy()
            ds_cfg['pipeline'] = []
            ds_cfg['test_mode'] = True
            ds_cfgs.append(ds_cfg)
        return [DATASETS.build(c) for c in ds_cfgs]
    else:
        if not (args.ann_file and args.camera_file):
            sys.exit('error: give --config, or --ann-file and --camera-file')
        ds_cfg = dict(
            type='Human36mImageDataset',
            data_root=args.data_root,
            ann_file=args.ann_file,
            camera_param_file=args.camera_file,
            subjects=args.subjects,
            frame_interval=args.frame_interval,
            add_thorax=not args.no_thorax,
            pipeline=[],
            test_mode=True)
    return [DATASETS.build(ds_cfg)]


def load_world_joints(dataset) -> Tuple[np.ndarray, List[str]]:
    """Pelvis-centred joints in the global frame, ``(N, K, 3)`` mm."""
    from tqdm import tqdm
    joints = []
    for i in tqdm(range(len(dataset)), desc='reading poses', unit='pose'):
        info = dataset.get_data_info(i)
        if 'camera_param' not in info:
            sys.exit('error: the dataset has no camera parameters; set '
                     'camera_param_file')
        # MMPose's cameras.pkl: R rotates camera to world (X_w = R X_c + T);
        # keypoints_3d is already pelvis-relative, so T cancels.
        rot = np.asarray(info['camera_param']['R'], dtype=np.float64)
        rel = np.asarray(info['keypoints_3d'][0], dtype=np.float64)
        world = rel @ rot.T
        joints.append(world - world[dataset.root_index])
    if not joints:
        sys.exit('error: the dataset selection is empty')
    meta = dataset.metainfo
    names = [meta['keypoint_id2name'][k] for k in range(meta['num_keypoints'])]
    return np.stack(joints), names


def unique_poses(joints: np.ndarray, tol: float = 1e-4) -> np.ndarray:
    """Drop repeated poses, keeping the first of each.

    A frame seen by several cameras gives the same global-frame pose up to
    the rounding of its camera-frame annotation; poses within ``tol`` times
    the largest coordinate of each other (max-norm over all joints) count as
    one.
    """
    from scipy.spatial import cKDTree
    flat = joints.reshape(len(joints), -1)
    scale = max(float(np.abs(flat).max()), 1e-12)
    pairs = cKDTree(flat).query_pairs(tol * scale, p=np.inf,
                                      output_type='ndarray')
    repeated = np.zeros(len(flat), dtype=bool)
    repeated[pairs.max(axis=1)] = True
    return joints[~repeated]


def save_png_atomic(mi: np.ndarray, names: List[str], groups, path: str,
                    title: str) -> None:
    """Plot the MI matrix with group boundaries; write it atomically."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    order = [j for g in groups for j in g]
    k = len(names)
    fig, ax = plt.subplots(figsize=(7, 6))
    shown = mi[np.ix_(order, order)].astype(float)
    np.fill_diagonal(shown, np.nan)  # entropies would dominate the scale
    im = ax.imshow(shown, cmap='viridis')
    ax.set_xticks(range(k))
    ax.set_yticks(range(k))
    ax.set_xticklabels([names[j] for j in order], rotation=90, fontsize=7)
    ax.set_yticklabels([names[j] for j in order], fontsize=7)
    edge = -0.5
    for g in groups[:-1]:
        edge += len(g)
        ax.axhline(edge, color='w', lw=1)
        ax.axvline(edge, color='w', lw=1)
    ax.set_title(title, fontsize=9)
    fig.colorbar(
        im, ax=ax, label='mutual information (nats; diagonal hidden)')
    fig.tight_layout()
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format='png', dpi=120)
    finally:
        plt.close(fig)
    atomic_write_bytes(path, buffer.getvalue())


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    from mmposenas.parts import (even_split_groups, mutual_information_groups,
                                 reorder_groups, validate_groups,
                                 write_json_atomic)
    datasets = build_datasets(args)
    loaded = [load_world_joints(d) for d in datasets]
    names = loaded[0][1]
    if any(n != names for _, n in loaded):
        sys.exit('error: the datasets have different joints')
    all_joints = np.concatenate([j for j, _ in loaded])
    joints = unique_poses(all_joints)
    k = joints.shape[1]
    if not 1 <= args.num_groups <= k:
        sys.exit(f'error: --num-groups must be in [1, {k}]')
    if args.estimator == 'ksg' and not 1 <= args.k < len(joints):
        sys.exit(f'error: --k must be in [1, {len(joints) - 1}] for '
                 f'{len(joints)} distinct poses, got {args.k}')

    result = mutual_information_groups(
        joints,
        args.num_groups,
        estimator=args.estimator,
        k=args.k,
        bins=args.bins,
        cube_size=args.cube_size,
        gamma=args.gamma,
        delta=args.delta,
        affinity_mode=args.affinity_mode,
        bias_correction=args.bias_correction,
        seed=args.seed,
        progress=True)
    found = (result['groups'] if args.strategy == 'mi' else
             even_split_groups(k, args.num_groups))
    order = list(range(len(found)))
    if args.group_order:
        try:
            order = [int(i) for i in args.group_order.split(',')]
            groups = reorder_groups(found, order)
        except ValueError as e:
            sys.exit(f'error: --group-order: {e}')
    else:
        groups = [list(g) for g in found]
    groups = validate_groups(groups, k)

    command = ' '.join(
        ['python', 'tools/analysis/group_parts.py'] +
        [shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv)])
    data = dict(
        format='mmposenas.part_groups/v1',
        comment=args.comment,
        command=command,
        strategy='mutual_information' if args.strategy == 'mi' else
        'even_split',
        # groups as found (sorted by smallest joint) and the permutation
        # applied to them: groups[i] = groups_as_found[group_order[i]]
        groups_as_found=found,
        group_order=order,
        num_joints=k,
        num_groups=len(groups),
        groups=groups,
        joint_names=names,
        group_joint_names=[[names[j] for j in g] for g in groups],
        mutual_information=np.round(result['mutual_information'],
                                    6).tolist(),
        affinity=np.round(result['affinity'], 6).tolist(),
        params=dict(
            estimator=args.estimator,
            k=args.k if args.estimator == 'ksg' else None,
            bins=args.bins if args.estimator == 'binned' else None,
            cube_size=(None if result['cube_size'] is None else float(
                result['cube_size'])),
            gamma=args.gamma,
            delta=args.delta,
            affinity_mode=result['affinity_mode'],
            bias_correction=args.bias_correction,
            seed=args.seed),
        data=dict(
            config=args.config,
            dataset_keys=args.dataset_key if args.config else None,
            ann_files=[getattr(d, '_ann_path', args.ann_file)
                       for d in datasets],
            subjects=(None if any(d.subjects is None for d in datasets) else
                      sorted({s for d in datasets for s in d.subjects})),
            frame_interval=[d.frame_interval for d in datasets],
            num_samples=int(len(all_joints)),
            num_distinct_poses=int(len(joints))))
    write_json_atomic(data, args.out)
    png = args.png or osp.splitext(args.out)[0] + '.png'
    save_png_atomic(
        result['mutual_information'], names, groups, png,
        f'{data["strategy"]} ({args.estimator}): {len(groups)} groups, '
        f'{len(joints)} poses')
    print(f'groups: {groups}')
    print(f'wrote {args.out} and {png}')


if __name__ == '__main__':
    main()
