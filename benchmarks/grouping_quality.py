"""Strategy II part grouping on proxy-figure poses: KSG vs binned MI.

Samples ``--num`` poses of the synthetic figures
(:mod:`mmposenas.datasets.synthetic`: actions in turn, anatomical joint
limits, random global yaw), moves them to a pelvis-centred global frame
(17 Human3.6M joints, mm) and prints, for each MI estimator:

* the bone share: the share of the 13 parent-child bones that do not touch
  the pelvis among the 13 joint pairs of highest MI (1.0: the strongest
  dependencies are exactly the bones);
* the groups of spectral clustering (Eq. 11 affinity) into ``--num-groups``;
* stability: the pairwise adjusted Rand index of the groups found on
  ``--repeats`` random subsamples of ``--subsample`` poses.

    .venv/bin/python benchmarks/grouping_quality.py --num 2000
"""
import argparse
import itertools
import time

import numpy as np
from sklearn.metrics import adjusted_rand_score

from mmposenas.datasets.synthetic import (ACTIONS, H36M_JOINT_NAMES,
                                          H36M_PARENTS, sample_posed_skeleton)
from mmposenas.parts import (mutual_information_groups,
                             mutual_information_matrix, top_pair_share,
                             voxelize)

#: The 13 parent-child bones that do not touch the pelvis (joint 0).
BONES = [(p, c) for c, p in enumerate(H36M_PARENTS) if p > 0]


def proxy_poses(num: int, seed: int) -> np.ndarray:
    """``(num, 17, 3)`` pelvis-centred global-frame poses in mm."""
    poses = []
    for i in range(num):
        rng = np.random.default_rng([seed, i])
        joints = sample_posed_skeleton(rng, ACTIONS[i % len(ACTIONS)]).joints
        poses.append(joints - joints[0])
    return 1000 * np.stack(poses)


def labels_of(groups, num_joints: int):
    return [next(g for g, m in enumerate(groups) if j in m)
            for j in range(num_joints)]


def named(groups):
    return [[H36M_JOINT_NAMES[j] for j in g] for g in groups]


def evaluate(joints: np.ndarray, args, **kwargs) -> None:
    start = time.perf_counter()
    res = mutual_information_groups(joints, args.num_groups, seed=args.seed,
                                    **kwargs)
    mi = res['mutual_information']
    share = top_pair_share(mi, BONES)
    print(f'  bone share (top {len(BONES)} pairs): {share:.3f} '
          f'({round(share * len(BONES))}/{len(BONES)}), '
          f'{time.perf_counter() - start:.1f} s')
    ranked = sorted(((mi[a, b], a, b) for a in range(17)
                     for b in range(a + 1, 17)), reverse=True)[:len(BONES)]
    print('  top pairs: ' + ', '.join(
        f'{H36M_JOINT_NAMES[a]}-{H36M_JOINT_NAMES[b]} {v:.2f}'
        f'{"*" if (a, b) in BONES else ""}' for v, a, b in ranked))
    print(f'  groups: {res["groups"]}')
    print(f'          {named(res["groups"])}')
    rng = np.random.default_rng(args.seed)
    labels = []
    for _ in range(args.repeats):
        idx = rng.choice(len(joints), args.subsample, replace=False)
        sub = mutual_information_groups(joints[idx], args.num_groups,
                                        seed=args.seed, **kwargs)
        labels.append(labels_of(sub['groups'], 17))
    aris = [adjusted_rand_score(a, b)
            for a, b in itertools.combinations(labels, 2)]
    print(f'  stability over {args.repeats} subsamples of {args.subsample}: '
          f'pairwise ARI min {min(aris):.3f}, mean {np.mean(aris):.3f}')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--num', type=int, default=2000)
    parser.add_argument('--subsample', type=int, default=1500)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--num-groups', type=int, default=3)
    parser.add_argument('--k', type=int, default=5)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--skip-binned', action='store_true')
    args = parser.parse_args()
    joints = proxy_poses(args.num, args.seed)
    print(f'{args.num} proxy-figure poses (seed {args.seed}), 17 joints, '
          f'pelvis-centred global frame')
    print(f'KSG (k={args.k}), scaled-MI affinity:')
    evaluate(joints, args, estimator='ksg', k=args.k)
    if args.skip_binned:
        return
    vox = voxelize(joints, bins=64)
    for correction in ('none', 'shuffle'):
        mi = mutual_information_matrix(vox, bias_correction=correction)
        off = mi[~np.eye(17, dtype=bool)]
        print(f'binned 64^3 plug-in (Eq. 10), bias correction {correction}: '
              f'bone share {top_pair_share(mi, BONES):.3f}, off-diagonal MI '
              f'{off.min():.2f}..{off.max():.2f} nats (log N = '
              f'{np.log(args.num):.2f})')
    print('binned 64^3 (shuffle-corrected), NID affinity:')
    evaluate(joints, args, estimator='binned', bins=64)


if __name__ == '__main__':
    main()
