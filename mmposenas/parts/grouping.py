"""Grouping of body joints into parts for part-aware architectures.

Two strategies (seed paper, Sec. "part grouping"):

* Strategy I (:func:`even_split_groups`): the joints in a given order
  (default: the dataset order, i.e. MMPose's H36M order) split into
  ``num_groups`` contiguous groups as evenly as possible.
* Strategy II (:func:`mutual_information_groups`): the pairwise mutual
  information of the joints' 3D positions in a pelvis-centred global frame
  gives an affinity (the heat kernel of Eq. 11 on an MI-derived distance)
  that spectral clustering partitions into ``num_groups`` groups. Two MI
  estimators:

  - ``'ksg'`` (default): the k-nearest-neighbour estimator of Kraskov,
    Stögbauer and Grassberger (2004, their first algorithm, k = 5) on the
    continuous positions (:func:`ksg_mutual_information_matrix`). Its bias
    is small for a few thousand poses.
  - ``'binned'``: the paper's Eq. 10 on ``bins ** 3`` voxels
    (:func:`voxelize`, :func:`mutual_information_matrix`). With 64³ cells
    and N poses the plug-in estimate is dominated by its upward bias
    (every pair tends to ``log N``); a shuffle correction removes part of
    it.

A grouping is a list of groups, each a list of joint indices; it must be a
partition of ``0 .. K-1`` (:func:`validate_groups`).  Backbones resolve their
``groups`` argument with :func:`resolve_groups`, which accepts a grouping, a
number of groups (Strategy I) or the JSON file written by
``tools/analysis/group_parts.py``.
"""
import json
import os
import os.path as osp
from typing import Iterable, List, Optional, Sequence, Union

import numpy as np

from mmposenas.utils.io import atomic_write_text

Groups = List[List[int]]

#: MI estimators of :func:`mutual_information_groups`.
MI_ESTIMATORS = ('ksg', 'binned')


def validate_groups(groups: Sequence[Sequence[int]],
                    num_joints: int,
                    allow_overlap: bool = False) -> Groups:
    """Check that ``groups`` is a partition of the joints ``0 .. K-1``.

    Every joint must appear in exactly one group and no group may be empty.
    With ``allow_overlap`` a joint may belong to several groups (a cover, e.g.
    the elbow in both the upper- and the lower-arm part of PoseNFS P=8), but
    still at most once per group and every joint in at least one group.
    The group order and the order inside each group are kept.

    Args:
        groups (sequence[sequence[int]]): The grouping.
        num_joints (int): Number of joints ``K``.
        allow_overlap (bool): Accept joints shared by several groups.

    Returns:
        list[list[int]]: The grouping as plain ints.

    Raises:
        ValueError: naming the empty groups, out-of-range, repeated or
            missing joints.
    """
    if isinstance(groups, (str, bytes)) or not isinstance(groups, Iterable):
        raise ValueError(f'groups must be a list of lists of joint indices, '
                         f'got {groups!r}')
    out: Groups = []
    for gi, group in enumerate(groups):
        if isinstance(group, (str, bytes)) or not isinstance(group, Iterable):
            raise ValueError(f'group {gi} must be a list of joint indices, '
                             f'got {group!r}')
        members = []
        for j in group:
            if isinstance(j, bool) or int(j) != j:
                raise ValueError(f'group {gi} has a non-integer joint {j!r}')
            members.append(int(j))
        if not members:
            raise ValueError(f'group {gi} is empty')
        out.append(members)
    if not out:
        raise ValueError('groups is empty')
    flat = [j for g in out for j in g]
    bad = sorted({j for j in flat if not 0 <= j < num_joints})
    if bad:
        raise ValueError(f'joints {bad} are out of range 0..{num_joints - 1}')
    seen, repeated = set(), set()
    if allow_overlap:
        for gi, group in enumerate(out):
            twice = sorted({j for j in group if group.count(j) > 1})
            if twice:
                raise ValueError(f'group {gi} lists joints {twice} twice')
        seen = set(flat)
    else:
        for j in flat:
            (repeated if j in seen else seen).add(j)
    if repeated:
        raise ValueError(f'joints {sorted(repeated)} appear in more than one '
                         'group (or twice in a group)')
    missing = sorted(set(range(num_joints)) - seen)
    if missing:
        raise ValueError(f'joints {missing} are in no group; every one of the '
                         f'{num_joints} joints must be in exactly one group')
    return out


def even_split_groups(num_joints: int,
                      num_groups: int,
                      order: Optional[Sequence[int]] = None) -> Groups:
    """Strategy I: split the joints into contiguous, near-equal groups.

    Args:
        num_joints (int): Number of joints ``K``.
        num_groups (int): Number of groups ``N_g`` (``1 <= N_g <= K``).
        order (sequence[int], optional): Joint order to split; defaults to
            ``0 .. K-1`` (the dataset's part order).

    Returns:
        list[list[int]]: Group sizes differ by at most one, larger first.
    """
    if not 1 <= num_groups <= num_joints:
        raise ValueError(f'num_groups must be in [1, {num_joints}], got '
                         f'{num_groups}')
    order = list(range(num_joints)) if order is None else [int(j)
                                                           for j in order]
    validate_groups([order], num_joints)
    return [g.tolist() for g in np.array_split(np.array(order), num_groups)]


def voxelize(joints: np.ndarray,
             bins: int = 64,
             cube_size: Optional[float] = None) -> np.ndarray:
    """Voxel index of every joint in a cube centred on the origin.

    Args:
        joints (np.ndarray): ``(N, K, 3)`` pelvis-centred coordinates.
        bins (int): Cells per axis. Defaults to 64.
        cube_size (float, optional): Edge of the cube. Defaults to the
            smallest cube centred on the origin that circumscribes all joints.

    Returns:
        np.ndarray: ``(N, K)`` int64 flat voxel indices in
        ``[0, bins ** 3)``.
    """
    joints = np.asarray(joints, dtype=np.float64)
    if joints.ndim != 3 or joints.shape[-1] != 3:
        raise ValueError(f'joints must be (N, K, 3), got {joints.shape}')
    if not np.isfinite(joints).all():
        raise ValueError('joints contain NaN or inf')
    if cube_size is None:
        cube_size = 2 * float(np.abs(joints).max()) * (1 + 1e-6)
    if cube_size <= 0:
        raise ValueError(f'cube_size must be positive, got {cube_size}')
    cells = np.floor((joints / cube_size + 0.5) * bins).astype(np.int64)
    cells = np.clip(cells, 0, bins - 1)
    return (cells[..., 0] * bins + cells[..., 1]) * bins + cells[..., 2]


def _entropy(labels: np.ndarray) -> float:
    _, counts = np.unique(labels, return_counts=True)
    p = counts / counts.sum()
    return float(-(p * np.log(p)).sum())


def mutual_information(labels_a: np.ndarray, labels_b: np.ndarray) -> float:
    """Mutual information (nats) of two discrete variables (seed Eq. 10).

    ``I(a; b) = sum_xy p(x, y) log(p(x, y) / (p(x) p(y)))`` with the
    probabilities estimated by counting, i.e. ``H(a) + H(b) - H(a, b)``.

    Args:
        labels_a (np.ndarray): ``(N,)`` non-negative int labels.
        labels_b (np.ndarray): ``(N,)`` non-negative int labels.
    """
    labels_a = np.asarray(labels_a, dtype=np.int64)
    labels_b = np.asarray(labels_b, dtype=np.int64)
    joint = labels_a * (int(labels_b.max()) + 1) + labels_b
    mi = _entropy(labels_a) + _entropy(labels_b) - _entropy(joint)
    return max(mi, 0.0)


def mutual_information_matrix(voxels: np.ndarray,
                              bias_correction: str = 'shuffle',
                              seed: int = 0,
                              progress: bool = False) -> np.ndarray:
    """Pairwise mutual information of the joints' voxel distributions.

    The plug-in estimate of Eq. 10 is biased upwards by about
    ``(cells_a * cells_b) / (2 N)`` nats, which for fine voxel grids and a
    finite data set is of the order of the MI itself (with ``N`` samples every
    pair tends to ``log N``). ``bias_correction='shuffle'`` subtracts the MI
    of the same pair after randomly permuting one joint's samples (the MI of
    two independent variables with the same marginals), so independent
    joints score about 0; ``'none'`` keeps the plug-in value.

    Args:
        voxels (np.ndarray): ``(N, K)`` voxel labels (:func:`voxelize`).
        bias_correction (str): ``'shuffle'`` (default) or ``'none'``.
        seed (int): Seed of the permutation.
        progress (bool): Show a tqdm bar over the joint pairs.

    Returns:
        np.ndarray: ``(K, K)`` symmetric MI in nats (clipped at 0); the
        diagonal holds each joint's entropy.
    """
    if bias_correction not in ('shuffle', 'none'):
        raise ValueError("bias_correction must be 'shuffle' or 'none', got "
                         f'{bias_correction!r}')
    voxels = np.asarray(voxels, dtype=np.int64)
    if voxels.ndim != 2:
        raise ValueError(f'voxels must be (N, K), got {voxels.shape}')
    k = voxels.shape[1]
    entropy = [_entropy(voxels[:, a]) for a in range(k)]
    mi = np.diag(entropy).astype(np.float64)
    pairs = [(a, b) for a in range(k) for b in range(a + 1, k)]
    if progress:
        from tqdm import tqdm
        pairs = tqdm(pairs, desc='mutual information', unit='pair')
    stride = int(voxels.max()) + 1
    rng = np.random.default_rng(seed)
    for a, b in pairs:
        value = entropy[a] + entropy[b] - _entropy(voxels[:, a] * stride +
                                                   voxels[:, b])
        if bias_correction == 'shuffle':
            shuffled = voxels[rng.permutation(len(voxels)), b]
            value -= entropy[a] + entropy[b] - _entropy(voxels[:, a] *
                                                        stride + shuffled)
        mi[a, b] = mi[b, a] = max(value, 0.0)
    return mi


def ksg_mutual_information(x: np.ndarray, y: np.ndarray,
                           k: int = 5) -> float:
    """Kraskov–Stögbauer–Grassberger MI estimate (nats), algorithm 1.

    ``I = ψ(k) + ψ(N) − ⟨ψ(n_x + 1) + ψ(n_y + 1)⟩`` where, for every sample,
    ``ε`` is the max-norm distance to its k-th neighbour in the joint space
    and ``n_x`` (``n_y``) counts the other samples strictly closer than
    ``ε`` in the x (y) space. Samples must be distinct (add a tiny jitter to
    ties, see :func:`ksg_mutual_information_matrix`).

    Args:
        x (np.ndarray): ``(N, d_x)`` samples.
        y (np.ndarray): ``(N, d_y)`` samples.
        k (int): Neighbours (``1 <= k < N``). Defaults to 5.

    Returns:
        float: The estimate; it may be slightly negative for independent
        variables.
    """
    from scipy.spatial import cKDTree
    from scipy.special import digamma
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    n = len(x)
    if len(y) != n:
        raise ValueError(f'x has {n} samples but y has {len(y)}')
    if not 1 <= k < n:
        raise ValueError(f'k must be in [1, N - 1] = [1, {n - 1}], got {k}')
    joint = np.hstack([x, y])
    eps = cKDTree(joint).query(joint, k=k + 1, p=np.inf)[0][:, k]
    radius = np.nextafter(eps, 0)  # strictly closer than the k-th neighbour
    # the counts include the sample itself, i.e. they are n_x + 1, n_y + 1
    n_x = cKDTree(x).query_ball_point(
        x, radius, p=np.inf, return_length=True)
    n_y = cKDTree(y).query_ball_point(
        y, radius, p=np.inf, return_length=True)
    return float(digamma(k) + digamma(n) -
                 np.mean(digamma(n_x) + digamma(n_y)))


def ksg_mutual_information_matrix(joints: np.ndarray,
                                  k: int = 5,
                                  jitter: float = 1e-10,
                                  seed: int = 0,
                                  progress: bool = False) -> np.ndarray:
    """Pairwise KSG mutual information of the joints' 3D positions.

    Args:
        joints (np.ndarray): ``(N, K, 3)`` pelvis-centred positions.
        k (int): KSG neighbours (see :func:`ksg_mutual_information`).
        jitter (float): Gaussian noise, relative to the overall spread of the
            positions, added to break exact ties (duplicate poses); seeded.
        seed (int): Seed of the jitter.
        progress (bool): Show a tqdm bar over the joint pairs.

    Returns:
        np.ndarray: ``(K, K)`` symmetric MI in nats, clipped at 0, with a
        zero diagonal (the self-information of a continuous position is
        infinite). A joint without spread (the pelvis at the origin) has 0
        with every joint.
    """
    joints = np.asarray(joints, dtype=np.float64)
    if joints.ndim != 3 or joints.shape[-1] != 3:
        raise ValueError(f'joints must be (N, K, 3), got {joints.shape}')
    if not np.isfinite(joints).all():
        raise ValueError('joints contain NaN or inf')
    n, num_joints = joints.shape[:2]
    scale = float(joints.std())
    if scale == 0:
        return np.zeros((num_joints, num_joints))
    rng = np.random.default_rng(seed)
    spread = joints.std(axis=0).max(axis=-1)  # (K,)
    constant = spread <= 1e-9 * scale
    noisy = joints + rng.normal(0, jitter * scale, size=joints.shape)
    mi = np.zeros((num_joints, num_joints))
    pairs = [(a, b) for a in range(num_joints)
             for b in range(a + 1, num_joints)
             if not (constant[a] or constant[b])]
    if progress:
        from tqdm import tqdm
        pairs = tqdm(pairs, desc='mutual information (KSG)', unit='pair')
    for a, b in pairs:
        value = ksg_mutual_information(noisy[:, a], noisy[:, b], k=k)
        mi[a, b] = mi[b, a] = max(value, 0.0)
    return mi


def top_pair_share(mi: np.ndarray, pairs: Iterable[Sequence[int]],
                   num_top: Optional[int] = None) -> float:
    """Share of ``pairs`` among the ``num_top`` highest-MI joint pairs.

    E.g. the bone share: ``pairs`` the parent–child bones, ``num_top`` their
    number; 1.0 means the strongest dependencies are exactly the bones.

    Args:
        mi (np.ndarray): ``(K, K)`` symmetric MI (the diagonal is ignored).
        pairs (iterable): Unordered joint pairs.
        num_top (int, optional): Defaults to the number of ``pairs``.
    """
    wanted = {tuple(sorted((int(a), int(b)))) for a, b in pairs}
    num_top = len(wanted) if num_top is None else int(num_top)
    k = mi.shape[0]
    ranked = sorted(((mi[a, b], a, b) for a in range(k)
                     for b in range(a + 1, k)), key=lambda t: -t[0])
    top = [(a, b) for _, a, b in ranked[:num_top]]
    return sum(p in wanted for p in top) / max(num_top, 1)


def affinity_from_mutual_information(mi: np.ndarray,
                                     gamma: float = 1.0,
                                     delta: float = 0.5,
                                     mode: str = 'distance') -> np.ndarray:
    """Heat-kernel affinity of seed Eq. 11, ``exp(-gamma d^2 / (2 delta^2))``.

    Eq. 11 is the heat kernel that turns a *distance* into an affinity. MI is
    a similarity in nats, so ``d`` is a distance in ``[0, 1]`` derived from
    it and ``delta = 0.5`` is on its scale:

    * ``'distance'``: the normalised information distance
      ``d_ij = 1 - I_ij / sqrt(H_i H_j)`` with the entropies ``H_i = I_ii`` on
      the diagonal (binned estimator);
    * ``'scaled'``: ``d_ij = 1 - I_ij / max_{a != b} I_ab`` (continuous
      estimators such as KSG, whose diagonal is not an entropy);
    * ``'literal'``: the raw MI in place of ``d`` as printed, which gives
      *independent* joints the highest affinity; kept only for comparison.

    Args:
        mi (np.ndarray): ``(K, K)`` symmetric MI matrix.
        gamma (float): Defaults to 1.
        delta (float): Defaults to 0.5.
        mode (str): ``'distance'``, ``'scaled'`` or ``'literal'``.

    Returns:
        np.ndarray: ``(K, K)`` symmetric affinity with ones on the diagonal
        (``'distance'``, ``'scaled'``).
    """
    mi = np.asarray(mi, dtype=np.float64)
    if mode == 'distance':
        h = np.sqrt(np.clip(np.diag(mi), 1e-12, None))
        nmi = np.clip(mi / np.outer(h, h), 0.0, 1.0)
        np.fill_diagonal(nmi, 1.0)
        d = 1.0 - nmi
    elif mode == 'scaled':
        off = mi[~np.eye(len(mi), dtype=bool)]
        top = float(off.max()) if off.size else 0.0
        d = 1.0 - np.clip(mi / top, 0.0, 1.0) if top > 0 else np.ones_like(
            mi)
        np.fill_diagonal(d, 0.0)
    elif mode == 'literal':
        d = mi
    else:
        raise ValueError(f"mode must be 'distance', 'scaled' or 'literal', "
                         f'got {mode!r}')
    return np.exp(-gamma * d**2 / (2 * delta**2))


def spectral_groups(affinity: np.ndarray,
                    num_groups: int,
                    seed: int = 0) -> Groups:
    """Spectral clustering of a precomputed affinity into ``num_groups``.

    Groups are returned in a canonical order: by their smallest joint index,
    joints ascending inside each group.
    """
    from sklearn.cluster import SpectralClustering
    k = affinity.shape[0]
    if not 1 <= num_groups <= k:
        raise ValueError(f'num_groups must be in [1, {k}], got {num_groups}')
    if num_groups == 1:
        return [list(range(k))]
    labels = SpectralClustering(
        n_clusters=num_groups,
        affinity='precomputed',
        assign_labels='discretize',
        random_state=seed).fit_predict(affinity)
    groups = [sorted(np.flatnonzero(labels == c).tolist())
              for c in np.unique(labels)]
    return sorted(groups, key=min)


def mutual_information_groups(joints: np.ndarray,
                              num_groups: int,
                              estimator: str = 'ksg',
                              k: int = 5,
                              bins: int = 64,
                              cube_size: Optional[float] = None,
                              gamma: float = 1.0,
                              delta: float = 0.5,
                              affinity_mode: Optional[str] = None,
                              bias_correction: str = 'shuffle',
                              seed: int = 0,
                              progress: bool = False) -> dict:
    """Strategy II: group joints by mutual information.

    Joints without spread (the pelvis at the origin of a pelvis-centred
    frame) carry no information; they are left out of the clustering and
    join the group of the joint closest to them on average.

    Args:
        joints (np.ndarray): ``(N, K, 3)`` pelvis-centred joints in a global
            frame.
        num_groups (int): Number of groups ``N_g``.
        estimator (str): ``'ksg'`` (default; ``k`` neighbours) or
            ``'binned'`` (seed Eq. 10 on ``bins ** 3`` voxels of a cube of
            edge ``cube_size``, with ``bias_correction``).
        k (int): KSG neighbours.
        bins, cube_size: see :func:`voxelize`.
        gamma, delta: see :func:`affinity_from_mutual_information`.
        affinity_mode (str, optional): Defaults to ``'scaled'`` for KSG and
            ``'distance'`` for the binned estimator.
        bias_correction (str): see :func:`mutual_information_matrix`.
        seed (int): Random state of the jitter / permutation and of the
            clustering.
        progress (bool): Show a progress bar.

    Returns:
        dict: ``groups`` (list of lists, canonical order: by smallest joint),
        ``mutual_information`` ``(K, K)``, ``affinity`` ``(K, K)``,
        ``affinity_mode`` and ``cube_size`` (binned estimator, else None).
    """
    if estimator not in MI_ESTIMATORS:
        raise ValueError(f'estimator must be one of {MI_ESTIMATORS}, got '
                         f'{estimator!r}')
    joints = np.asarray(joints, dtype=np.float64)
    if joints.ndim != 3 or joints.shape[-1] != 3:
        raise ValueError(f'joints must be (N, K, 3), got {joints.shape}')
    num_joints = joints.shape[1]
    if estimator == 'ksg':
        mi = ksg_mutual_information_matrix(
            joints, k=k, seed=seed, progress=progress)
    else:
        if cube_size is None:
            cube_size = 2 * float(np.abs(joints).max()) * (1 + 1e-6)
        voxels = voxelize(joints, bins=bins, cube_size=cube_size)
        mi = mutual_information_matrix(
            voxels, bias_correction=bias_correction, seed=seed,
            progress=progress)
    affinity_mode = affinity_mode or ('scaled' if estimator == 'ksg' else
                                      'distance')
    affinity = affinity_from_mutual_information(
        mi, gamma=gamma, delta=delta, mode=affinity_mode)

    spread = joints.std(axis=0).max(axis=-1)
    constant = spread <= 1e-9 * max(float(joints.std()), 1e-300)
    varying = np.flatnonzero(~constant)
    if len(varying) < num_groups:
        raise ValueError(f'only {len(varying)} joints vary; cannot form '
                         f'{num_groups} groups')
    sub = spectral_groups(affinity[np.ix_(varying, varying)], num_groups,
                          seed=seed)
    groups = [[int(varying[j]) for j in g] for g in sub]
    for c in np.flatnonzero(constant):
        dist = np.linalg.norm(joints - joints[:, c:c + 1], axis=-1).mean(0)
        nearest = int(varying[np.argmin(dist[varying])])
        target = next(g for g in groups if nearest in g)
        target.append(int(c))
    groups = sorted((sorted(g) for g in groups), key=min)
    return dict(
        groups=validate_groups(groups, num_joints),
        mutual_information=mi,
        affinity=affinity,
        affinity_mode=affinity_mode,
        cube_size=cube_size)


def load_groups(path: str, num_joints: Optional[int] = None) -> Groups:
    """Read the ``groups`` of a JSON written by ``group_parts.py``.

    Args:
        path (str): The JSON file.
        num_joints (int, optional): Validate against this many joints
            (defaults to the file's ``num_joints``).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'grouping file {path} does not exist')
    with open(path) as f:
        try:
            data = json.load(f)
        except json.JSONDecodeError as e:
            raise ValueError(f'{path} is not valid JSON: {e}') from e
    if not isinstance(data, dict) or 'groups' not in data:
        raise ValueError(f'{path} has no "groups" list of joint-index lists')
    if num_joints is None:
        if 'num_joints' not in data:
            raise ValueError(f'{path} has no "num_joints"; pass num_joints')
        num_joints = int(data['num_joints'])
    elif 'num_joints' in data and int(data['num_joints']) != num_joints:
        raise ValueError(f'{path} groups {data["num_joints"]} joints, '
                         f'expected {num_joints}')
    try:
        return validate_groups(data['groups'], num_joints)
    except ValueError as e:
        raise ValueError(f'{path}: {e}') from e


def resolve_groups(groups: Union[int, str, Sequence[Sequence[int]]],
                   num_joints: int) -> Groups:
    """Turn a backbone's ``groups`` argument into a validated grouping.

    Args:
        groups: a number of groups (Strategy I even split of ``0..K-1``), a
            path to a ``group_parts.py`` JSON file, or a list of joint-index
            lists (kept in the given order).
        num_joints (int): Number of joints ``K``.
    """
    if isinstance(groups, (int, np.integer)) and not isinstance(groups, bool):
        return even_split_groups(num_joints, int(groups))
    if isinstance(groups, (str, os.PathLike)):
        return load_groups(os.fspath(groups), num_joints)
    return validate_groups(groups, num_joints)


def reorder_groups(groups: Sequence[Sequence[int]],
                   group_order: Sequence[int]) -> Groups:
    """Permute the groups: ``result[i] = groups[group_order[i]]``."""
    order = [int(i) for i in group_order]
    if sorted(order) != list(range(len(groups))):
        raise ValueError(f'group_order must be a permutation of '
                         f'0..{len(groups) - 1}, got {order}')
    return [list(groups[i]) for i in order]


def write_json_atomic(data: dict, path: str) -> None:
    """Write ``data`` as indented JSON atomically (temporary file, rename)."""
    atomic_write_text(path, json.dumps(data, indent=2) + '\n')
