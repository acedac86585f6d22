"""Part grouping: validation, even split, MI + spectral clustering, CLI."""
import importlib.util
import json
import os
import os.path as osp

import numpy as np
import pytest

from mmposenas.parts import (affinity_from_mutual_information,
                             even_split_groups, ksg_mutual_information,
                             ksg_mutual_information_matrix, load_groups,
                             mutual_information, mutual_information_groups,
                             mutual_information_matrix, reorder_groups,
                             resolve_groups, top_pair_share, validate_groups,
                             voxelize)


def test_validate_groups_accepts_any_partition_and_names_errors():
    assert validate_groups([[3, 0], [2], [1, 4]], 5) == [[3, 0], [2], [1, 4]]
    with pytest.raises(ValueError, match=r'joints \[4\] are in no group'):
        validate_groups([[0, 1], [2, 3]], 5)
    with pytest.raises(ValueError, match=r'joints \[1\] appear in more'):
        validate_groups([[0, 1], [1, 2, 3, 4]], 5)
    with pytest.raises(ValueError, match=r'joints \[7\] are out of range'):
        validate_groups([[0, 1, 2, 3, 4, 7]], 5)
    with pytest.raises(ValueError, match='group 1 is empty'):
        validate_groups([[0, 1, 2, 3, 4], []], 5)
    with pytest.raises(ValueError, match='non-integer'):
        validate_groups([[0, 1.5]], 2)


def test_even_split_of_the_default_part_order():
    groups = even_split_groups(18, 5)
    assert groups == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11],
                      [12, 13, 14], [15, 16, 17]]
    assert even_split_groups(17, 1) == [list(range(17))]
    assert even_split_groups(4, 2, order=[3, 2, 1, 0]) == [[3, 2], [1, 0]]
    with pytest.raises(ValueError, match='num_groups'):
        even_split_groups(5, 6)


def test_mutual_information_hand_values():
    a = np.array([0, 0, 1, 1])
    assert mutual_information(a, a) == pytest.approx(np.log(2))
    assert mutual_information(a, np.array([0, 1, 0, 1])) == pytest.approx(0)
    # p(x,y): (0,0)=1/2, (1,0)=1/4, (1,1)=1/4
    x, y = np.array([0, 0, 1, 1]), np.array([0, 0, 0, 1])
    expected = (0.5 * np.log(0.5 / (0.5 * 0.75)) + 0.25 * np.log(
        0.25 / (0.5 * 0.75)) + 0.25 * np.log(0.25 / (0.5 * 0.25)))
    assert mutual_information(x, y) == pytest.approx(expected)


def _planted(n=3000, seed=0):
    """9 joints in 3 planted groups: joints of a group follow one latent
    position (plus a small jitter); the groups move independently."""
    rng = np.random.default_rng(seed)
    groups = [[0, 4, 8], [1, 3, 6], [2, 5, 7]]  # interleaved on purpose
    joints = np.zeros((n, 9, 3))
    for g in groups:
        latent = rng.uniform(-400, 400, size=(n, 3))
        for j in g:
            joints[:, j] = latent + rng.normal(0, 100, size=3) + rng.normal(
                0, 10, size=(n, 3))
    return joints, [sorted(g) for g in groups]


@pytest.mark.parametrize('estimator', ['ksg', 'binned'])
def test_mutual_information_grouping_recovers_planted_parts(estimator):
    joints, planted = _planted(n=1500 if estimator == 'ksg' else 3000)
    res = mutual_information_groups(joints, 3, estimator=estimator, bins=8)
    assert res['groups'] == sorted(planted, key=min)
    mi = res['mutual_information']
    within = [mi[a, b] for g in planted for a in g for b in g if a < b]
    across = [
        mi[a, b] for a in range(9) for b in range(a + 1, 9)
        if not any(a in g and b in g for g in planted)
    ]
    assert min(within) > 3 * max(across)
    aff = res['affinity']
    assert np.allclose(aff, aff.T) and np.allclose(np.diag(aff), 1)
    assert min(aff[a, b] for g in planted for a in g
               for b in g) > max(aff[a, b] for a in range(9)
                                 for b in range(9)
                                 if not any(a in g and b in g
                                            for g in planted))


def _gaussian_pair(n, rho, dim=3, seed=0):
    """x and y with per-axis correlation rho: MI = -dim/2 log(1 - rho^2)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, dim))
    y = rho * x + np.sqrt(1 - rho**2) * rng.normal(size=(n, dim))
    return x, y


def test_ksg_matches_gaussian_mi_where_64_bins_do_not():
    n = 1000
    for rho in (0.0, 0.6, 0.9):
        x, y = _gaussian_pair(n, rho, dim=1)
        true = -0.5 * np.log(1 - rho**2)
        assert ksg_mutual_information(x, y, k=5) == pytest.approx(
            true, abs=0.03)
        x, y = _gaussian_pair(n, rho)
        true = -1.5 * np.log(1 - rho**2)
        # KSG underestimates strong dependence in 6D a little (N = 1000)
        assert ksg_mutual_information(x, y, k=5) == pytest.approx(
            true, abs=0.03 + 0.2 * true)
        # Eq. 10 on a 64^3 grid: nearly every sample has its own voxel, so
        # the plug-in estimate is about log N whatever the dependence
        vox = voxelize(np.stack([x, y], 1), bins=64)
        plug_in = mutual_information(vox[:, 0], vox[:, 1])
        assert plug_in > 0.9 * np.log(n) and plug_in - true > 2.5
    with pytest.raises(ValueError, match=r'k must be in \[1, N - 1\]'):
        ksg_mutual_information(x[:5], y[:5], k=5)


def test_ksg_matrix_handles_constant_joints_and_duplicates():
    x, y = _gaussian_pair(400, 0.8, seed=1)
    joints = np.stack([np.zeros_like(x), x, y], 1)
    joints = np.concatenate([joints, joints[:50]])  # exact duplicate poses
    mi = ksg_mutual_information_matrix(joints, k=5)
    assert np.all(mi[0] == 0) and np.all(np.diag(mi) == 0)
    assert mi[1, 2] == mi[2, 1]
    assert 1.0 < mi[1, 2] < 2.6 and np.isfinite(mi).all()


def _proxy_poses(num, seed):
    """Pelvis-centred global-frame poses of the proxy figures (17 joints)."""
    from mmposenas.datasets.synthetic import ACTIONS, sample_posed_skeleton
    poses = []
    for i in range(num):
        rng = np.random.default_rng([seed, i])
        joints = sample_posed_skeleton(rng, ACTIONS[i % len(ACTIONS)]).joints
        poses.append(joints - joints[0])
    return 1000 * np.stack(poses)  # mm


def test_proxy_figures_bones_dominate_ksg_mi_and_groups_are_stable():
    from sklearn.metrics import adjusted_rand_score

    from mmposenas.datasets.synthetic import H36M_PARENTS
    bones = [(p, c) for c, p in enumerate(H36M_PARENTS) if p > 0]
    assert len(bones) == 13  # root excluded
    joints = _proxy_poses(500, seed=3)
    res = mutual_information_groups(joints, 3)
    assert top_pair_share(res['mutual_information'], bones) >= 0.65
    # the binned plug-in MI of Eq. 10 ranks the bones far worse
    binned = mutual_information_matrix(voxelize(joints, 64), 'none')
    assert top_pair_share(binned, bones) < 0.5
    labels = []
    rng = np.random.default_rng(0)
    for _ in range(3):
        sub = joints[rng.choice(len(joints), 375, replace=False)]
        groups = mutual_information_groups(sub, 3)['groups']
        labels.append([next(g for g, m in enumerate(groups) if j in m)
                       for j in range(17)])
    assert min(adjusted_rand_score(a, b) for i, a in enumerate(labels)
               for b in labels[i + 1:]) >= 0.9
    assert res['groups'][0][0] == 0  # the pelvis joins a group


def test_top_pair_share():
    mi = np.zeros((4, 4))
    mi[0, 1] = mi[1, 0] = 3
    mi[2, 3] = mi[3, 2] = 2
    mi[0, 3] = mi[3, 0] = 1
    assert top_pair_share(mi, [(1, 0), (0, 3)]) == 0.5
    assert top_pair_share(mi, [(1, 0), (3, 2)]) == 1.0
    assert top_pair_share(mi, [(1, 0)], num_top=3) == pytest.approx(1 / 3)


def test_scaled_affinity():
    mi = np.array([[0., 2.0, 0.5], [2.0, 0., 1.0], [0.5, 1.0, 0.]])
    aff = affinity_from_mutual_information(mi, mode='scaled')
    d = np.array([[0, 0, .75], [0, 0, .5], [.75, .5, 0]])
    np.testing.assert_allclose(aff, np.exp(-d**2 / 0.5))


def test_literal_affinity_inverts_the_similarity():
    mi = np.array([[2.0, 1.8, 0.1], [1.8, 2.0, 0.1], [0.1, 0.1, 2.0]])
    dist = affinity_from_mutual_information(mi)
    literal = affinity_from_mutual_information(mi, mode='literal')
    assert dist[0, 1] > dist[0, 2]  # dependent joints are similar
    assert literal[0, 1] < literal[0, 2]  # Eq. 11 on raw MI: the opposite
    np.testing.assert_allclose(literal, np.exp(-mi**2 / (2 * 0.5**2)))


def test_voxelize_cube_and_bins():
    joints = np.array([[[0., 0., 0.], [99., -99., 10.], [-100., 100., 0.]]])
    vox = voxelize(joints, bins=4, cube_size=200.)
    cells = np.stack([vox // 16, vox // 4 % 4, vox % 4], -1)[0]
    np.testing.assert_array_equal(cells, [[2, 2, 2], [3, 0, 2], [0, 3, 2]])


def test_resolve_load_and_reorder(tmp_path):
    assert resolve_groups(2, 4) == [[0, 1], [2, 3]]
    assert resolve_groups([[1, 0], [3, 2]], 4) == [[1, 0], [3, 2]]
    path = tmp_path / 'g.json'
    path.write_text(json.dumps(dict(num_joints=4, groups=[[2, 3], [0, 1]])))
    assert resolve_groups(str(path), 4) == [[2, 3], [0, 1]]
    with pytest.raises(ValueError, match='groups 4 joints, expected 5'):
        load_groups(str(path), 5)
    path.write_text(json.dumps(dict(num_joints=4, groups=[[2, 3], [0]])))
    with pytest.raises(ValueError, match=r'g.json: joints \[1\]'):
        load_groups(str(path))
    with pytest.raises(FileNotFoundError):
        load_groups(str(tmp_path / 'none.json'))
    assert reorder_groups([[0], [1, 2], [3]], [2, 0, 1]) == [[3], [0], [1, 2]]


def _group_parts_tool():
    spec = importlib.util.spec_from_file_location(
        'group_parts', osp.join('tools', 'analysis', 'group_parts.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


SAMPLE = ['--data-root', 'data/samples/h36m', '--ann-file',
          'test_h36m_body3d.npz', '--camera-file', 'cameras.pkl']


def test_group_parts_cli_on_the_h36m_sample(tmp_path, capsys):
    tool = _group_parts_tool()
    out = tmp_path / 'out' / 'groups.json'
    tool.main([str(out), *SAMPLE, '--num-groups', '3', '--k', '3',
               '--comment', 'four poses only'])
    data = json.loads(out.read_text())
    assert data['num_joints'] == 18 and data['num_groups'] == 3
    assert data['data']['num_samples'] == 4
    assert data['data']['num_distinct_poses'] == 4
    assert data['params']['estimator'] == 'ksg' and data['params']['k'] == 3
    assert data['comment'] == 'four poses only'
    assert data['command'].startswith('python tools/analysis/group_parts.py')
    assert '--k 3' in data['command']
    validate_groups(data['groups'], 18)
    assert data['groups'] == data['groups_as_found']
    assert data['groups'] == sorted(data['groups'], key=min)  # canonical
    assert len(data['joint_names']) == 18
    assert np.array(data['mutual_information']).shape == (18, 18)
    assert load_groups(str(out)) == data['groups']
    png = out.with_suffix('.png')
    assert png.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    assert sorted(os.listdir(out.parent)) == ['groups.json', 'groups.png']
    err = capsys.readouterr().err
    assert 'reading poses' in err and '4/4' in err

    # --group-order permutes the written groups; the backbone follows it
    reordered = tmp_path / 'reordered.json'
    tool.main([str(reordered), *SAMPLE, '--num-groups', '3', '--k', '3',
               '--group-order', '2,0,1'])
    found = data['groups']
    again = json.loads(reordered.read_text())
    assert again['groups_as_found'] == found
    assert again['groups'] == [found[2], found[0], found[1]] != found
    assert again['group_order'] == [2, 0, 1]
    assert load_groups(str(reordered)) == again['groups']
    from mmpose.registry import MODELS

    import mmposenas  # noqa: F401
    net = MODELS.build(dict(
        type='PartAwareNASBackbone', num_keypoints=18, depth_bins=2,
        groups=str(reordered), num_cells=3, num_reductions=1, num_fusions=1,
        stem_channels=4, channels=2, num_nodes=1, joint_channels=1))
    assert net.groups == again['groups']
    with pytest.raises(SystemExit, match='--k must be in'):
        tool.main([str(tmp_path / 'x.json'), *SAMPLE, '--num-groups', '3'])


def test_group_parts_drops_repeated_views_of_a_pose():
    tool = _group_parts_tool()
    rng = np.random.default_rng(0)
    poses = rng.normal(size=(5, 18, 3)) * 300
    views = np.concatenate([poses, poses + rng.normal(size=poses.shape) *
                            1e-5, poses[:2] + 5.0])  # the last two differ
    kept = tool.unique_poses(views)
    np.testing.assert_array_equal(kept, np.concatenate([poses,
                                                        poses[:2] + 5.0]))
