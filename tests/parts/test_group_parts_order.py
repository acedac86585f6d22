"""tools/analysis/group_parts.py: --group-order permutes the written groups."""
import importlib.util
import json
import os.path as osp

import pytest

from conftest import REPO


def tool():
    spec = importlib.util.spec_from_file_location(
        'group_parts', osp.join(REPO, 'tools', 'analysis', 'group_parts.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(out, *extra):
    tool().main([
        str(out), '--data-root', 'data/samples/h36m', '--ann-file',
        'test_h36m_body3d.npz', '--camera-file', 'cameras.pkl',
        '--num-groups', '3', '--bins', '4', '--k', '3', *extra
    ])
    return json.loads(out.read_text())


EVEN = [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11], [12, 13, 14, 15, 16, 17]]


def test_group_order_permutes_groups_and_their_names(tmp_path):
    plain = run(tmp_path / 'plain.json', '--strategy', 'even')
    assert plain['groups'] == EVEN
    ordered = run(tmp_path / 'ordered.json', '--strategy', 'even',
                  '--group-order', '2,0,1')
    # result[i] = groups[order[i]]
    assert ordered['groups'] == [EVEN[2], EVEN[0], EVEN[1]]
    names = plain['group_joint_names']
    assert ordered['group_joint_names'] == [names[2], names[0], names[1]]
    assert ordered['group_order'] == [2, 0, 1]
    # the MI statistics do not depend on the order
    assert ordered['mutual_information'] == plain['mutual_information']


def test_group_order_applies_to_mutual_information_groups(tmp_path):
    plain = run(tmp_path / 'plain.json')
    ordered = run(tmp_path / 'ordered.json', '--group-order', '1,2,0')
    g = plain['groups']
    assert ordered['groups'] == [g[1], g[2], g[0]]


@pytest.mark.parametrize('order', ['0,1', '0,0,1', '2,x,0'])
def test_bad_group_order_exits_with_a_message(tmp_path, order, capsys):
    with pytest.raises(SystemExit, match='--group-order'):
        run(tmp_path / 'bad.json', '--strategy', 'even', '--group-order',
            order)
    assert not (tmp_path / 'bad.json').exists()
