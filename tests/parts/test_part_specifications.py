"""Part specifications: the full PoseNFS tables, the dict / list / table
forms of ``resolve_body_parts`` and the part groups stored in a genotype
(mutants of ``mmposenas/parts`` that the older tests let through, see
docs/testing.md)."""
import pytest

from mmposenas.models.search.genotype import Genotype, GenotypeError
from mmposenas.parts import BodyParts, resolve_body_parts
from mmposenas.parts.body_part_tables import _tables
from mmposenas.parts.genotype_groups import genotype_part_groups


def test_tables_are_posenfs_table_1():
    """Built at call time (``PART_TABLES`` is built at import): every part
    name and joint list of P = 1, 3, 5, 8, with a stand-in head / pelvis."""
    arms = ['left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow',
            'left_wrist', 'right_wrist']
    knees_ankles = ['left_knee', 'right_knee', 'left_ankle', 'right_ankle']
    head, pelvis = ['H1', 'H2'], ['P']
    assert _tables(head, pelvis) == {
        1: [('whole_body', head + arms + ['left_hip', 'right_hip'] +
             knees_ankles + pelvis)],
        3: [('head', head), ('upper_limb', arms),
            ('lower_limb', ['left_hip', 'right_hip'] + knees_ankles +
             pelvis)],
        5: [('head_shoulder', head + ['left_shoulder', 'right_shoulder']),
            ('left_lower_arm', ['left_elbow', 'left_wrist']),
            ('right_lower_arm', ['right_elbow', 'right_wrist']),
            ('thigh', ['left_hip', 'right_hip', 'P']),
            ('lower_limb', knees_ankles)],
        8: [('head_shoulder', head + ['left_shoulder', 'right_shoulder']),
            ('left_upper_arm', ['left_shoulder', 'left_elbow']),
            ('left_lower_arm', ['left_elbow', 'left_wrist']),
            ('right_upper_arm', ['right_shoulder', 'right_elbow']),
            ('right_lower_arm', ['right_elbow', 'right_wrist']),
            ('thigh', ['left_hip', 'right_hip', 'left_knee', 'right_knee',
                       'P']),
            ('left_lower_leg', ['left_knee', 'left_ankle']),
            ('right_lower_leg', ['right_knee', 'right_ankle'])],
    }
    assert _tables(['nose'], [])[5][3] == ('thigh', ['left_hip', 'right_hip'])


def test_dict_form_round_trips_and_is_checked():
    parts = resolve_body_parts('coco_p5')
    data = parts.to_dict()
    assert data == dict(
        names=['head_shoulder', 'left_lower_arm', 'right_lower_arm', 'thigh',
               'lower_limb'],
        groups=[[0, 1, 2, 3, 4, 5, 6], [7, 9], [8, 10], [11, 12],
                [13, 14, 15, 16]],
        num_keypoints=17)
    again = resolve_body_parts(data)
    assert (again.names, again.groups, again.num_keypoints) == (
        parts.names, parts.groups, 17)
    # indices only: num_keypoints comes from the dict
    small = resolve_body_parts(
        dict(names=['a', 'b'], groups=[[2, 0], [1]], num_keypoints=3))
    assert (small.names, small.groups, small.num_keypoints) == (
        ['a', 'b'], [[2, 0], [1]], 3)
    for key in ('names', 'groups', 'num_keypoints'):
        broken = dict(data)
        del broken[key]
        with pytest.raises(ValueError):
            resolve_body_parts(broken)
    same = BodyParts(['w'], [[0, 1]], 2)
    assert resolve_body_parts(same) is same


def test_table_names_and_dataset_are_checked():
    for bad in ('coco_px', 'coco_p', 'body_p3', 'coco3'):
        with pytest.raises(ValueError, match='unknown part table'):
            resolve_body_parts(bad)
    with pytest.raises(ValueError, match="is for 'coco'"):
        resolve_body_parts('coco_p3', dataset='mpii')
    parts = resolve_body_parts('mpii_p3', dataset='mpii')
    assert parts.num_keypoints == 16 and parts.groups[0] == [9, 8, 7]


def test_pairs_are_checked():
    for pair in (['a'], ('a', [0], [1]), (1, [0]), 'ab', ['ab', [0], 'x']):
        with pytest.raises(ValueError, match=r'part 0: expected \[name'):
            resolve_body_parts([pair, ['z', [1]]], num_keypoints=2)
    with pytest.raises(ValueError, match='unique'):
        resolve_body_parts([['a', [0]], ['a', [1]]], num_keypoints=2)


def test_num_keypoints_against_the_dataset():
    # indices only, no dataset: K from num_keypoints
    parts = resolve_body_parts([['a', [0, 2]], ['b', [1]]], num_keypoints=3)
    assert parts.num_keypoints == 3 and parts.coverage() == [1, 1, 1]
    with pytest.raises(ValueError, match='in no group'):
        resolve_body_parts([['a', [0]]], num_keypoints=2)
    # the dataset fixes K; a matching num_keypoints is accepted
    spec = [['a', list(range(8))], ['b', list(range(8, 17))]]
    assert resolve_body_parts(spec, dataset='coco',
                              num_keypoints=17).num_keypoints == 17
    with pytest.raises(ValueError, match='has 17 joints'):
        resolve_body_parts(spec, dataset='coco', num_keypoints=16)
    with pytest.raises(ValueError, match='num_keypoints'):
        resolve_body_parts([['a', [0]]])


def _genotype(part_groups=None, fusion=None):
    extras = {} if part_groups is None else dict(part_groups=part_groups)
    cells = dict(normal=dict(nodes=[[['skip_connect', 0]]], concat=[2]))
    if fusion is not None:
        cells['fusion'] = fusion
    return Genotype.from_dict(dict(cells=cells, extras=extras),
                              source='g.json')


def _fusion(num_nodes, concat=None, node_groups=None):
    nodes = [[['skip_connect', 0], ['skip_connect', 1]]
             for _ in range(num_nodes)]
    cell = dict(nodes=nodes,
                concat=list(range(2, 2 + num_nodes))
                if concat is None else concat)
    if node_groups is not None:
        cell['extras'] = dict(node_groups=node_groups)
    return cell


def test_genotype_part_groups():
    groups = [[2, 0], [1, 3]]
    assert genotype_part_groups(_genotype(), 4) is None
    # no fusion cell: only the partition is checked
    assert genotype_part_groups(_genotype(groups), 4) == groups
    with pytest.raises(GenotypeError, match='extras.part_groups'):
        genotype_part_groups(_genotype(groups), 5)  # joint 4 uncovered
    with pytest.raises(GenotypeError, match='extras.part_groups'):
        genotype_part_groups(_genotype([[0, 1], [1, 2, 3]]), 4)
    # the fusion cell: one node per group, all concatenated, same groups
    ok = _genotype(groups, _fusion(2, node_groups=groups))
    assert genotype_part_groups(ok, 4) == groups
    assert genotype_part_groups(_genotype(groups, _fusion(2)), 4) == groups
    with pytest.raises(GenotypeError, match='cells.fusion.nodes'):
        genotype_part_groups(_genotype(groups, _fusion(3)), 4)
    with pytest.raises(GenotypeError, match='cells.fusion.concat'):
        genotype_part_groups(_genotype(groups, _fusion(2, concat=[3])), 4)
    with pytest.raises(GenotypeError, match='node_groups'):
        genotype_part_groups(
            _genotype(groups, _fusion(2, node_groups=groups[::-1])), 4)
    # another cell type carries the groups
    with pytest.raises(GenotypeError, match='cells.normal.nodes'):
        genotype_part_groups(ok, 4, cell_type='normal')
