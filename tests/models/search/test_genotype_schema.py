"""Genotype files are validated in one place, with errors a user can act on."""
import json
import os

import pytest
from mmpose.registry import MODELS

import mmposenas  # noqa: F401
from mmposenas.models.search import Genotype, GenotypeError
from mmposenas.models.search.genotype import (check_schema, field_path,
                                              genotype_schema)
from mmposenas.parts import genotype_part_groups


def valid():
    return {
        'format': 'mmposenas.genotype/v1',
        'cells': {
            'normal': {'nodes': [[['sep_conv_3x3', 0], ['skip_connect', 1]],
                                 [['max_pool_3x3', 2], ['sep_conv_3x3', 0]]],
                       'concat': [2, 3], 'num_inputs': 2, 'extras': {}},
        },
        'extras': {'op_names': ['zero', 'sep_conv_3x3']},
    }


def write(tmp_path, data, name='g.json'):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return str(path)


def test_schema_is_shipped_and_accepts_what_the_code_writes(tmp_path):
    schema = genotype_schema()
    assert schema['$schema'].endswith('2020-12/schema')
    check_schema(valid())
    g = Genotype.from_dict(valid())
    check_schema(json.loads(g.to_json()))


@pytest.mark.parametrize('mutate,path,found,expected', [
    (lambda d: d.__setitem__('extra', {}), '(top level)', "'extra'",
     "did you mean 'extras'"),
    (lambda d: d['cells']['normal'].__setitem__('concatt', [2]),
     'cells.normal', "'concatt'", "did you mean 'concat'"),
    (lambda d: d['cells']['normal']['nodes'][1].__setitem__(0, ['conv', 'x']),
     'cells.normal.nodes[1][0][1]', '"x"', "type 'integer'"),
    (lambda d: d['cells']['normal']['nodes'][0][1].append(3),
     'cells.normal.nodes[0][1]', '["skip_connect", 1, 3]', 'at most 2'),
    (lambda d: d['cells']['normal'].__setitem__('num_inputs', 0),
     'cells.normal.num_inputs', '0', '>= 1'),
    (lambda d: d.__setitem__('format', 'v2'), 'format', '"v2"',
     "'mmposenas.genotype/v1'"),
    (lambda d: d['cells']['normal'].pop('concat'), 'cells.normal',
     'missing key "concat"', ''),
])
def test_schema_errors_name_file_field_found_and_expected(
        tmp_path, mutate, path, found, expected):
    data = valid()
    mutate(data)
    file = write(tmp_path, data)
    before = sorted(os.listdir(tmp_path))
    with pytest.raises(GenotypeError) as err:
        Genotype.load(file)
    msg = str(err.value)
    assert file in msg and f'{path}:' in msg and found in msg
    assert expected in msg
    assert sorted(os.listdir(tmp_path)) == before  # loading writes nothing


def test_structural_errors_after_the_schema(tmp_path):
    data = valid()
    data['cells']['normal']['nodes'][1][0] = ['max_pool_3x3', 3]
    file = write(tmp_path, data)
    with pytest.raises(GenotypeError, match=r"cells\.normal\.nodes\[1\]\[0\]"
                       r": input node 3 out of range"):
        Genotype.load(file)


def test_field_path_format():
    assert field_path(['cells', 'fusion', 'nodes', 2, 0]) == \
        'cells.fusion.nodes[2][0]'
    assert field_path([]) == '(top level)'


def test_dict_genotypes_with_tuples_validate_like_files():
    data = valid()
    data['cells']['normal']['nodes'][0] = [('sep_conv_3x3', 0),
                                          ('skip_connect', 1)]
    g = Genotype.coerce(data)
    assert g['normal'].nodes[0] == [('sep_conv_3x3', 0), ('skip_connect', 1)]


def test_backbone_names_the_file_for_input_count(tmp_path):
    data = valid()
    data['cells']['reduce'] = json.loads(json.dumps(data['cells']['normal']))
    data['cells']['normal']['num_inputs'] = 3
    file = write(tmp_path, data)
    with pytest.raises(GenotypeError) as err:
        MODELS.build(dict(type='DartsCellBackbone', num_cells=3,
                          num_nodes=2, genotype=file))
    msg = str(err.value)
    assert file in msg and 'cells.normal.num_inputs: found 3, expected 2' \
        in msg


def part_genotype(groups, node_groups=None, nodes=None):
    data = valid()
    fusion = {'nodes': [[['skip_connect', 0]]] * (nodes or len(groups)),
              'concat': list(range(2, 2 + (nodes or len(groups))))}
    if node_groups is not None:
        fusion['extras'] = {'node_groups': node_groups}
    data['cells']['fusion'] = fusion
    data['extras']['part_groups'] = groups
    return Genotype.from_dict(data, source="'parts.json'")


def test_part_groups_must_cover_every_joint_once():
    with pytest.raises(GenotypeError, match=r"'parts\.json': extras\."
                       r"part_groups: .*joints \[4\] are in no group"):
        genotype_part_groups(part_genotype([[0, 1], [2, 3]]), 5)
    with pytest.raises(GenotypeError, match=r'joints \[1\] appear in more'):
        genotype_part_groups(part_genotype([[0, 1], [1, 2, 3, 4]]), 5)
    assert genotype_part_groups(part_genotype([[3, 0], [2, 1, 4]]), 5) == \
        [[3, 0], [2, 1, 4]]


def test_node_groups_must_agree_with_part_groups():
    g = part_genotype([[0, 1], [2, 3, 4]], node_groups=[[2, 3, 4], [0, 1]])
    with pytest.raises(GenotypeError, match=r'cells\.fusion\.extras\.'
                       r'node_groups: found .*same groups in the same order'):
        genotype_part_groups(g, 5)


def test_fusion_nodes_must_equal_the_number_of_groups():
    g = part_genotype([[0, 1], [2, 3, 4]], nodes=3)
    with pytest.raises(GenotypeError, match=r'cells\.fusion\.nodes: found 3 '
                       r'node\(s\), expected 2 intermediate node\(s\) \(one '
                       r'per part group'):
        genotype_part_groups(g, 5)


def test_part_aware_backbone_reports_the_genotype_file(tmp_path):
    backbone = MODELS.build(dict(
        type='PartAwareNASBackbone', num_keypoints=5, depth_bins=2,
        groups=2, num_cells=3, num_reductions=1, num_fusions=1,
        stem_channels=4, channels=4, num_nodes=2, fusion_channels=4,
        joint_channels=2))
    data = backbone.derive_genotype().to_dict()
    data['extras']['part_groups'] = [[0, 1], [2, 3]]  # joint 4 in no group
    file = write(tmp_path, data)
    with pytest.raises(GenotypeError) as err:
        MODELS.build(dict(type='PartAwareNASBackbone', num_keypoints=5,
                          depth_bins=2, groups=None, num_cells=3,
                          num_reductions=1, num_fusions=1, stem_channels=4,
                          channels=4, num_nodes=2, fusion_channels=4,
                          joint_channels=2, genotype=file))
    assert file in str(err.value) and 'extras.part_groups' in str(err.value)


def test_runner_refuses_a_misspelt_genotype_before_building(tmp_path):
    from mmengine.config import Config
    from mmengine.runner import Runner

    from conftest import FIXED_CFG
    data = valid()
    data['cells']['reduce'] = json.loads(json.dumps(data['cells']['normal']))
    data['cells']['reduce']['concatt'] = data['cells']['reduce'].pop('concat')
    file = write(tmp_path, data)
    cfg = Config.fromfile(FIXED_CFG)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.model.backbone.genotype = file
    with pytest.raises(GenotypeError) as err:
        Runner.from_cfg(cfg).train()
    assert file in str(err.value)
    assert "cells.reduce: unknown key 'concatt'; did you mean 'concat'?" in \
        str(err.value)
