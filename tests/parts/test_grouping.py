"""Part grouping: validation, even split, MI + spectral clustering, CLI."""
import importlib.util
import json
import os
import os.path as osp

import numpy as np
import pytest

from mmposenas.parts import (affinity_from_mutual_information,
                             even_split_groups, load_groups,
                             mutual_information, mutual_information_groups,
                             reorder_groups, resolve_groups, validate_groups,
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


def test_mutual_information_grouping_recovers_planted_parts():
    joints, planted = _planted()
    res = mutual_information_groups(joints, 3, bins=8)
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


def test_group_parts_cli_on_the_h36m_sample(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location(
        'group_parts', osp.join('tools', 'analysis', 'group_parts.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    out = tmp_path / 'out' / 'groups.json'
    tool.main([
        str(out), '--data-root', 'data/samples/h36m', '--ann-file',
        'test_h36m_body3d.npz', '--camera-file', 'cameras.pkl',
        '--num-groups', '3', '--bins', '8', '--group-order', '2,0,1'
    ])
    data = json.loads(out.read_text())
    assert data['num_joints'] == 18 and data['num_groups'] == 3
    assert data['data']['num_samples'] == 4
    validate_groups(data['groups'], 18)
    assert len(data['joint_names']) == 18
    assert np.array(data['mutual_information']).shape == (18, 18)
    assert load_groups(str(out)) == data['groups']
    png = out.with_suffix('.png')
    assert png.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    assert sorted(os.listdir(out.parent)) == ['groups.json', 'groups.png']
    err = capsys.readouterr().err
    assert 'reading poses' in err and '4/4' in err
