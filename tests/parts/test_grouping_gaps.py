"""Spectral clustering arguments, the KSG zero-spread shortcut, the constant
joints of Strategy II and the input checks of ``validate_groups`` (surviving
mutants of ``mmposenas/parts/grouping.py`` listed as gaps in
docs/testing.md)."""
import itertools

import numpy as np
import pytest

from mmposenas.parts.grouping import (affinity_from_mutual_information,
                                      ksg_mutual_information_matrix,
                                      mutual_information_groups,
                                      spectral_groups, validate_groups)


def _partitions(items, n):
    """Every partition of ``items`` into ``n`` non-empty blocks."""
    if n == 1:
        yield [list(items)]
        return
    if len(items) < n:
        return
    first, rest = items[0], items[1:]
    for p in _partitions(rest, n - 1):
        yield [[first]] + p
    for p in _partitions(rest, n):
        for i in range(len(p)):
            yield p[:i] + [[first] + p[i]] + p[i + 1:]


def _normalized_cut(affinity, groups):
    """Shi-Malik normalized cut: sum over groups of cut / volume (no self
    loops)."""
    w = affinity - np.diag(np.diag(affinity))
    total = 0.0
    for g in groups:
        inside = np.zeros(len(w), dtype=bool)
        inside[g] = True
        total += w[inside][:, ~inside].sum() / w[inside].sum()
    return total


def _min_normalized_cut(affinity, n):
    """Brute force; returns the best partition (canonical order) and the
    margin to the second best."""
    scored = sorted(
        (_normalized_cut(affinity, p), sorted(map(sorted, p), key=min))
        for p in _partitions(list(range(len(affinity))), n))
    return scored[0][1], scored[1][0] - scored[0][0]


# Crafted graphs with a clear minimum normalized cut that spectral clustering
# of the *precomputed* affinity with *discretize* label assignment finds for
# every seed, but the RBF kernel over the matrix rows (sklearn's default
# `affinity='rbf'`, which treats each row as a feature vector; first matrix)
# or k-means label assignment (sklearn's default `assign_labels`; second
# matrix) misses for every seed.
ROWS_MISLEAD_RBF = np.array([
    [1.0, 0.4, 0.1, 0.0, 0.0, 0.2],
    [0.4, 1.0, 0.0, 0.0, 0.3, 0.1],
    [0.1, 0.0, 1.0, 0.1, 0.1, 0.4],
    [0.0, 0.0, 0.1, 1.0, 0.6, 0.4],
    [0.0, 0.3, 0.1, 0.6, 1.0, 0.8],
    [0.2, 0.1, 0.4, 0.4, 0.8, 1.0]])
KMEANS_MISSES = np.array([
    [1.0, 0.0, 0.7, 0.9, 0.5],
    [0.0, 1.0, 0.0, 0.0, 0.2],
    [0.7, 0.0, 1.0, 0.0, 0.0],
    [0.9, 0.0, 0.0, 1.0, 0.6],
    [0.5, 0.2, 0.0, 0.6, 1.0]])


@pytest.mark.parametrize('affinity,num_groups', [(ROWS_MISLEAD_RBF, 2),
                                                 (KMEANS_MISSES, 3)])
def test_spectral_groups_find_the_minimum_normalized_cut(affinity,
                                                         num_groups):
    best, margin = _min_normalized_cut(affinity, num_groups)
    assert margin > 0.1  # a clear optimum
    for seed in (0, 1, 2):
        assert spectral_groups(affinity, num_groups, seed=seed) == best


# Every joint equally similar to every other: every split is an equally good
# cut, so only the clustering's random state decides which one comes out.
TIED = np.ones((5, 5))


def test_spectral_groups_use_the_seed_and_only_the_seed():
    by_seed = [spectral_groups(TIED, 2, seed=s) for s in range(4)]
    assert len({str(g) for g in by_seed}) > 1  # the seed matters here
    assert spectral_groups(TIED, 2) == by_seed[0]  # default seed 0
    # the global NumPy RNG plays no part (random_state=None would use it)
    for global_seed in range(3):
        np.random.seed(global_seed)
        assert [spectral_groups(TIED, 2, seed=s) for s in range(4)] == by_seed


def test_mutual_information_groups_cluster_with_their_seed():
    # five identical joints: the binned MI of every pair is the same, so the
    # affinity ties every split and the seed decides the groups
    rng = np.random.default_rng(0)
    track = rng.normal(size=(30, 1, 3))
    joints = np.repeat(track, 5, axis=1)
    by_seed = []
    for seed in range(4):
        np.random.seed(100 + seed)  # must not matter
        out = mutual_information_groups(joints, 2, estimator='binned',
                                        bins=4, bias_correction='none',
                                        seed=seed)
        assert out['groups'] == spectral_groups(out['affinity'], 2,
                                                seed=seed)
        by_seed.append(out['groups'])
    assert len({str(g) for g in by_seed}) > 1


def test_ksg_matrix_of_data_with_unit_spread_is_not_zero():
    # every coordinate +-1 in equal numbers: overall std exactly 1.0; joint 1
    # copies joint 0, joint 2 is independent of both
    rng = np.random.default_rng(0)
    signs = np.array([-1.0, 1.0] * 40)
    a = np.stack([rng.permutation(signs) for _ in range(3)], axis=-1)
    b = np.stack([rng.permutation(signs) for _ in range(3)], axis=-1)
    joints = np.stack([a, a, b], axis=1)
    assert float(joints.std()) == 1.0
    mi = ksg_mutual_information_matrix(joints, k=3)
    assert mi[0, 1] > 1.0  # eight equally likely positions, shared
    assert mi[0, 1] > 5 * max(mi[0, 2], mi[1, 2])
    # the estimate does not depend on the unit (the jitter scales with it)
    np.testing.assert_allclose(ksg_mutual_information_matrix(3 * joints,
                                                             k=3), mi,
                               rtol=1e-6, atol=1e-9)


def _pelvis_centred_tracks(n=60, seed=0):
    """Joint 0 and 3 move together far from the origin, 2 and 4 together
    near it, joint 1 is the pelvis (constant, at the origin)."""
    rng = np.random.default_rng(seed)
    far = np.array([10.0, 0.0, 0.0]) + rng.normal(size=(n, 3))
    near = np.array([0.5, 0.5, 0.0]) + 0.2 * rng.normal(size=(n, 3))
    joints = np.stack([far, np.zeros((n, 3)), near,
                       far + 0.01 * rng.normal(size=(n, 3)),
                       near + 0.01 * rng.normal(size=(n, 3))], axis=1)
    return joints


def test_constant_joint_joins_the_nearest_varying_joints_group():
    out = mutual_information_groups(_pelvis_centred_tracks(), 2, k=3)
    # the pelvis (1) is nearest to joint 2, not to the first varying joint 0
    assert out['groups'] == [[0, 3], [1, 2, 4]]


# sklearn notes that it solves the 2x2 eigenproblem densely
@pytest.mark.filterwarnings('ignore:k >= N:RuntimeWarning')
def test_as_many_groups_as_varying_joints():
    joints = _pelvis_centred_tracks()[:, :3]  # joints 0, 2 vary, 1 constant
    out = mutual_information_groups(joints, 2, k=3)
    assert out['groups'] == [[0], [1, 2]]
    with pytest.raises(ValueError, match='only 2 joints vary'):
        mutual_information_groups(joints, 3, k=3)


def test_validate_groups_rejects_strings_and_scalars():
    with pytest.raises(ValueError, match='groups must be a list of lists'):
        validate_groups('01', 2)
    with pytest.raises(ValueError, match='groups must be a list of lists'):
        validate_groups(3, 2)
    with pytest.raises(ValueError, match='group 1 must be a list of joint'):
        validate_groups([[0], '1'], 2)
    with pytest.raises(ValueError, match='group 1 must be a list of joint'):
        validate_groups([[0], 1], 2)


def test_scaled_affinity_of_a_single_joint():
    # K = 1: no off-diagonal entry, the affinity is the 1x1 identity
    for mi in (np.zeros((1, 1)), np.full((1, 1), 2.5)):
        np.testing.assert_array_equal(
            affinity_from_mutual_information(mi, mode='scaled'), [[1.0]])
