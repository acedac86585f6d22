"""Values of the mutual-information grouping helpers on hand-made data
(mutants of ``mmposenas/parts/grouping.py`` the older tests let through,
see docs/testing.md)."""
import json
import math

import numpy as np
import pytest

from mmposenas.parts.grouping import (load_groups, mutual_information,
                                      mutual_information_matrix,
                                      resolve_groups, top_pair_share,
                                      voxelize, write_json_atomic)


def test_mutual_information_hand_values():
    # a determines b: I = H = log 3
    a = [0, 1, 2, 0, 1, 2]
    assert mutual_information(a, a) == pytest.approx(math.log(3))
    # independent, and a takes values above max(b) + 1: the joint code
    # a * (max(b) + 1) + b must keep all four (a, b) pairs apart
    assert mutual_information([0, 2, 0, 2], [1, 0, 0, 1]) == pytest.approx(
        0.0, abs=1e-12)
    # b = a mod 2 with a in {0..3}: I = H(b) = log 2
    assert mutual_information([0, 1, 2, 3, 0, 1, 2, 3],
                              [0, 1, 0, 1, 0, 1, 0, 1]) == pytest.approx(
                                  math.log(2))


def _voxels(seed=3, n=40, k=4, levels=5):
    rng = np.random.default_rng(seed)
    base = rng.integers(0, levels, size=n)
    cols = [base, (base + rng.integers(0, 2, size=n)) % levels,
            rng.integers(0, levels, size=n),
            rng.integers(0, 2 * levels, size=n)]
    return np.stack(cols[:k], axis=1)


def test_mutual_information_matrix_equals_the_pairwise_estimates():
    voxels = _voxels()
    k = voxels.shape[1]
    entropy = [mutual_information(voxels[:, a], voxels[:, a])
               for a in range(k)]
    plain = mutual_information_matrix(voxels, bias_correction='none')
    np.testing.assert_allclose(np.diag(plain), entropy, rtol=1e-12)
    for a in range(k):
        for b in range(k):
            if a != b:
                assert plain[a, b] == pytest.approx(
                    mutual_information(voxels[:, a], voxels[:, b]), abs=1e-12)
    # shuffle correction: minus the MI against a permuted copy, the
    # permutations drawn in pair order from default_rng(seed)
    rng = np.random.default_rng(7)
    expected = np.diag(entropy)
    for a in range(k):
        for b in range(a + 1, k):
            shuffled = voxels[rng.permutation(len(voxels)), b]
            value = plain[a, b] - mutual_information(voxels[:, a], shuffled)
            expected[a, b] = expected[b, a] = max(value, 0.0)
    corrected = mutual_information_matrix(voxels, 'shuffle', seed=7)
    np.testing.assert_allclose(corrected, expected, atol=1e-12)
    assert (corrected[0, 1] > 0) and not np.allclose(corrected, plain)


def test_mutual_information_matrix_defaults():
    voxels = _voxels(seed=5)
    default = mutual_information_matrix(voxels)
    # defaults: the shuffle correction with seed 0, reproducible
    np.testing.assert_array_equal(
        default, mutual_information_matrix(voxels, 'shuffle', seed=0))
    np.testing.assert_array_equal(default, mutual_information_matrix(voxels))
    assert not np.array_equal(
        default, mutual_information_matrix(voxels, 'shuffle', seed=1))


def test_voxelize_cells():
    # max |coordinate| 1: default cube edge 2 (+1e-6), 64 bins per axis
    joints = np.array([[[0.0, 0.0, 0.0], [0.6, -0.6, 1.0]]])
    idx = voxelize(joints)
    assert idx.dtype == np.int64
    # 0 -> cell 32; 0.6 -> floor(0.8 * 64) = 51; -0.6 -> 12; 1.0 -> 63
    assert idx.tolist() == [[(32 * 64 + 32) * 64 + 32,
                             (51 * 64 + 12) * 64 + 63]]
    # explicit cube: a joint outside it is clipped to the border cells
    out = voxelize(np.array([[[-2.0, 2.0, 0.1]]]), bins=4, cube_size=1.0)
    assert out.tolist() == [[(0 * 4 + 3) * 4 + 2]]
    assert voxelize(np.array([[[0.1, 0.1, 0.1]]]), bins=4,
                    cube_size=0.5).tolist() == [[(2 * 4 + 2) * 4 + 2]]
    with pytest.raises(ValueError, match='cube_size'):
        voxelize(joints, cube_size=0)
    with pytest.raises(ValueError, match=r'\(N, K, 3\)'):
        voxelize(np.zeros((2, 3, 2)))


def test_top_pair_share_counts_the_strongest_pairs():
    mi = np.array([[0, 5, 1], [5, 0, 2], [1, 2, 0]], dtype=float)
    assert top_pair_share(mi, [(1, 0)], num_top=1) == 1.0
    assert top_pair_share(mi, [(0, 2)], num_top=1) == 0.0
    assert top_pair_share(mi, [(2, 1), (0, 2)], num_top=2) == 0.5
    assert top_pair_share(mi, [(0, 1), (1, 2)]) == 1.0


def test_group_files_are_read_and_checked(tmp_path):
    path = tmp_path / 'groups.json'
    write_json_atomic(dict(groups=[[2, 0], [1, 3]], num_joints=4), str(path))
    text = path.read_text()
    assert text.startswith('{\n  "groups": [\n') and text.endswith('}\n')
    assert load_groups(str(path)) == [[2, 0], [1, 3]]
    assert resolve_groups(str(path), 4) == [[2, 0], [1, 3]]
    assert resolve_groups(path, 4) == [[2, 0], [1, 3]]  # os.PathLike
    with pytest.raises(ValueError, match='expected 5'):
        resolve_groups(str(path), 5)
    no_groups = tmp_path / 'no_groups.json'
    no_groups.write_text(json.dumps(dict(num_joints=4)))
    with pytest.raises(ValueError, match='no "groups"'):
        load_groups(str(no_groups))


def test_distance_affinity_hand_values():
    """Normalised information distance d = 1 - I / sqrt(H_i H_j), clipped
    to [0, 1], then exp(-gamma d^2 / (2 delta^2))."""
    from mmposenas.parts.grouping import affinity_from_mutual_information
    # h = (2, 1, 3): I_01 / 2 = 0.5, I_02 / 6 > 1 -> 1, I_12 < 0 -> 0
    mi = np.array([[4.0, 1.0, 7.0], [1.0, 1.0, -0.2], [7.0, -0.2, 9.0]])
    d = np.array([[0, 0.5, 0], [0.5, 0, 1], [0, 1, 0]])
    np.testing.assert_allclose(affinity_from_mutual_information(mi),
                               np.exp(-d**2 / (2 * 0.5**2)), rtol=1e-12)
    np.testing.assert_allclose(
        affinity_from_mutual_information(mi, gamma=3.0, delta=2.0),
        np.exp(-3.0 * d**2 / 8.0), rtol=1e-12)
    # entropies below 1 nat: h = (0.5, 0.4), d = 1 - 0.1 / 0.2
    small = np.array([[0.25, 0.1], [0.1, 0.16]])
    np.testing.assert_allclose(
        affinity_from_mutual_information(small)[0, 1], np.exp(-2 * 0.25))
    # a joint with zero entropy is at distance 1 from the others, not NaN
    zero = np.array([[0.0, 0.0], [0.0, 1.0]])
    np.testing.assert_allclose(affinity_from_mutual_information(zero),
                               [[1, np.exp(-2)], [np.exp(-2), 1]])


def _ksg_expected(joints, k=5, jitter=1e-10, seed=0):
    """Pairwise KSG of the seeded, jittered positions (the documented
    recipe), built from the public pairwise estimator."""
    from mmposenas.parts.grouping import ksg_mutual_information
    scale = joints.std()
    noisy = joints + np.random.default_rng(seed).normal(
        0, jitter * scale, size=joints.shape)
    n = joints.shape[1]
    out = np.zeros((n, n))
    for a in range(n):
        for b in range(a + 1, n):
            if joints[:, a].std(0).max() > 0 and joints[:, b].std(0).max() > 0:
                out[a, b] = out[b, a] = max(
                    ksg_mutual_information(noisy[:, a], noisy[:, b], k=k), 0)
    return out


def test_ksg_matrix_is_the_pairwise_estimate_of_the_jittered_joints():
    from mmposenas.parts.grouping import ksg_mutual_information_matrix
    rng = np.random.default_rng(11)
    base = rng.normal(0, 1, size=(30, 1, 3))
    joints = np.concatenate([
        np.zeros((30, 1, 3)),                       # constant pelvis
        base,                                        # a joint
        base + 0.3 * rng.normal(size=(30, 1, 3)),    # its dependent child
        rng.normal(0, 1, size=(30, 1, 3))], axis=1)  # independent
    joints = np.concatenate([joints, joints[:8]])    # repeated poses (ties)
    mi = ksg_mutual_information_matrix(joints)
    np.testing.assert_allclose(mi, _ksg_expected(joints), atol=1e-12)
    assert (mi[0] == 0).all() and mi[1, 2] > 0.5
    assert 0 < mi[1, 3] < 0.5 or mi[1, 3] == 0  # clipped at 0, not at 1
    np.testing.assert_allclose(
        ksg_mutual_information_matrix(joints, k=3),
        _ksg_expected(joints, k=3), atol=1e-12)
    np.testing.assert_array_equal(
        ksg_mutual_information_matrix(np.zeros((5, 3, 3))), np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r'\(N, K, 3\)'):
        ksg_mutual_information_matrix(np.zeros((5, 3, 2)))


def _two_parts(n=200, seed=4):
    """Pelvis (constant 0), a small-amplitude part (1, 2) and a large one
    (3, 4): the pelvis is nearest, on average, to the small part."""
    rng = np.random.default_rng(seed)
    joints = np.zeros((n, 5, 3))
    small = rng.normal(0, 10, size=(n, 3))
    large = rng.normal(0, 400, size=(n, 3))
    joints[:, 1] = small + [20, 0, 0] + rng.normal(0, 1, size=(n, 3))
    joints[:, 2] = small + [0, 20, 0] + rng.normal(0, 1, size=(n, 3))
    joints[:, 3] = large + [500, 0, 0] + rng.normal(0, 20, size=(n, 3))
    joints[:, 4] = large + [0, 500, 0] + rng.normal(0, 20, size=(n, 3))
    return joints


def test_mutual_information_groups_outputs_are_the_documented_pieces():
    from mmposenas.parts.grouping import (affinity_from_mutual_information,
                                          ksg_mutual_information_matrix,
                                          mutual_information_groups)
    joints = _two_parts()
    res = mutual_information_groups(joints, 2, k=4, seed=2)
    assert res['groups'] == [[0, 1, 2], [3, 4]]  # pelvis joins its nearest
    mi = ksg_mutual_information_matrix(joints, k=4, seed=2)
    np.testing.assert_array_equal(res['mutual_information'], mi)
    assert res['affinity_mode'] == 'scaled' and res['cube_size'] is None
    np.testing.assert_array_equal(
        res['affinity'], affinity_from_mutual_information(mi, mode='scaled'))
    # binned estimator: default cube, distance affinity, options passed on
    res = mutual_information_groups(joints, 2, estimator='binned', bins=6,
                                    gamma=2.0, delta=0.7, seed=3,
                                    bias_correction='none')
    cube = 2 * float(np.abs(joints).max()) * (1 + 1e-6)
    assert res['cube_size'] == cube and res['affinity_mode'] == 'distance'
    mi = mutual_information_matrix(voxelize(joints, bins=6, cube_size=cube),
                                   bias_correction='none', seed=3)
    np.testing.assert_array_equal(res['mutual_information'], mi)
    np.testing.assert_array_equal(
        res['affinity'],
        affinity_from_mutual_information(mi, gamma=2.0, delta=0.7))
    assert sorted(j for g in res['groups'] for j in g) == list(range(5))
    # explicit cube and affinity mode
    res = mutual_information_groups(joints, 2, estimator='binned', bins=4,
                                    cube_size=3000.0,
                                    affinity_mode='literal')
    assert res['cube_size'] == 3000.0 and res['affinity_mode'] == 'literal'
    np.testing.assert_array_equal(
        res['mutual_information'],
        mutual_information_matrix(voxelize(joints, 4, 3000.0)))
    with pytest.raises(ValueError, match='estimator'):
        mutual_information_groups(joints, 2, estimator='kde')
    with pytest.raises(ValueError, match=r'\(N, K, 3\)'):
        mutual_information_groups(joints[..., :2], 2)
    with pytest.raises(ValueError, match='only 4 joints vary'):
        mutual_information_groups(joints, 5)


def test_spectral_groups_edge_counts_and_scaled_affinity_edges():
    from mmposenas.parts.grouping import (affinity_from_mutual_information,
                                          spectral_groups)
    aff = np.array([[1.0, 0.9, 0.1], [0.9, 1.0, 0.1], [0.1, 0.1, 1.0]])
    assert spectral_groups(aff, 1) == [[0, 1, 2]]
    assert spectral_groups(aff, 3) == [[0], [1], [2]]
    for bad in (0, 4):
        with pytest.raises(ValueError, match='num_groups'):
            spectral_groups(aff, bad)
    # 'scaled': the largest off-diagonal MI (here below 1 nat) maps to 0
    mi = np.array([[0.0, 0.5, 0.25], [0.5, 0.0, 0.0], [0.25, 0.0, 0.0]])
    d = np.array([[0, 0, 0.5], [0, 0, 1], [0.5, 1, 0]])
    np.testing.assert_allclose(
        affinity_from_mutual_information(mi, mode='scaled'),
        np.exp(-d**2 / 0.5))
    # all MI zero: every pair at distance 1, not NaN
    np.testing.assert_allclose(
        affinity_from_mutual_information(np.zeros((2, 2)), mode='scaled'),
        [[1, np.exp(-2)], [np.exp(-2), 1]])


def test_ksg_and_grouping_defaults():
    from mmposenas.parts.grouping import (ksg_mutual_information,
                                          ksg_mutual_information_matrix,
                                          mutual_information_groups)
    rng = np.random.default_rng(5)
    x = rng.normal(size=(60, 1))
    y = x + 0.5 * rng.normal(size=(60, 1))
    assert ksg_mutual_information(x, y) == ksg_mutual_information(x, y, k=5)
    assert ksg_mutual_information(x, y) != ksg_mutual_information(x, y, k=6)
    assert np.isfinite(ksg_mutual_information(x, y, k=1))  # k = 1 is valid
    joints = _two_parts(n=120)
    res = mutual_information_groups(joints, 2)  # KSG with k = 5
    np.testing.assert_array_equal(res['mutual_information'],
                                  ksg_mutual_information_matrix(joints, k=5))
    res = mutual_information_groups(joints, 2, estimator='binned', seed=4)
    cube = 2 * float(np.abs(joints).max()) * (1 + 1e-6)
    np.testing.assert_array_equal(  # 64 bins, shuffle with the given seed
        res['mutual_information'],
        mutual_information_matrix(voxelize(joints, 64, cube), seed=4))
