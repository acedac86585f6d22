import json

import pytest
import torch

from mmposenas.models.search import (CellGenotype, Genotype, GenotypeError,
                                     derive_cell, num_cell_edges)

OPS = ['zero', 'skip_connect', 'sep_conv_3x3', 'max_pool_3x3']


def hand_written_alpha():
    """3 nodes, 2 inputs: 2 + 3 + 4 = 9 edges over 4 ops."""
    a = torch.zeros(9, 4)
    # node 0 (edges 0-1, inputs 0,1)
    a[0] = torch.tensor([9.0, 0.1, 0.2, 0.3])  # zero strongest: ignored
    a[1] = torch.tensor([0.0, 0.5, 0.1, 0.0])
    # node 1 (edges 2-4, inputs 0,1,2)
    a[2] = torch.tensor([0.0, 0.1, 0.0, 0.0])
    a[3] = torch.tensor([0.0, 0.0, 0.9, 0.0])
    a[4] = torch.tensor([0.0, 0.0, 0.0, 0.7])
    # node 2 (edges 5-8, inputs 0..3)
    a[5] = torch.tensor([0.0, 0.4, 0.0, 0.0])
    a[6] = torch.tensor([0.0, 0.0, 0.0, 0.0])
    a[7] = torch.tensor([5.0, 0.0, 0.3, 0.0])
    a[8] = torch.tensor([0.0, 0.0, 0.6, 0.0])
    return a


def test_darts_rule_on_hand_written_alpha():
    cell = derive_cell(hand_written_alpha(), OPS, num_nodes=3, top_k=2)
    assert cell.nodes == [
        [('skip_connect', 1), ('max_pool_3x3', 0)],
        [('sep_conv_3x3', 1), ('max_pool_3x3', 2)],
        [('sep_conv_3x3', 3), ('skip_connect', 0)],
    ]
    assert cell.concat == [2, 3, 4]


def test_keep_all_predecessors_rule():
    cell = derive_cell(hand_written_alpha(), OPS, num_nodes=3, top_k=None)
    assert [[j for _, j in node] for node in cell.nodes] == [[0, 1], [0, 1, 2],
                                                            [0, 1, 2, 3]]
    assert cell.nodes[2] == [('skip_connect', 0), ('skip_connect', 1),
                             ('sep_conv_3x3', 2), ('sep_conv_3x3', 3)]


def test_derive_rejects_wrong_shape():
    with pytest.raises(ValueError, match=r'shape \(9, 4\)'):
        derive_cell(torch.zeros(8, 4), OPS, num_nodes=3)
    assert num_cell_edges(4) == 14


def make_genotype():
    cell = derive_cell(hand_written_alpha(), OPS, num_nodes=3)
    cell.extras = {'node_channels': [4, 6, 8]}
    return Genotype(cells={'normal': cell, 'reduce': cell},
                    extras={'part_groups': [[0, 1], [2]]})


@pytest.mark.parametrize('suffix', ['.json', '.yaml'])
def test_file_round_trip(tmp_path, suffix):
    g = make_genotype()
    path = str(tmp_path / f'g{suffix}')
    g.save(path)
    assert Genotype.load(path, required=['normal', 'reduce']) == g
    assert not list(tmp_path.glob('.*tmp'))  # no temporary files left


def test_dict_round_trip_is_json_compatible():
    g = make_genotype()
    assert Genotype.from_dict(json.loads(g.to_json())) == g


def bad(mutate):
    data = make_genotype().to_dict()
    mutate(data)
    return data


@pytest.mark.parametrize('mutate,message', [
    (lambda d: d['cells']['normal']['nodes'][0].__setitem__(
        0, ['conv_9x9', 0]), r"cells.normal.nodes\[0\]\[0\]: unknown op "
     r"'conv_9x9'"),
    (lambda d: d['cells']['reduce']['nodes'][1].__setitem__(
        1, ['skip_connect', 3]), r'cells.reduce.nodes\[1\]\[1\]: input node 3 '
     r'out of range'),
    (lambda d: d['cells']['normal'].__setitem__('concat', [2, 9]),
     r'cells.normal.concat: node 9 out of range'),
    (lambda d: d['cells']['normal'].pop('nodes'),
     r'cells.normal: missing key "nodes"'),
    (lambda d: d['cells']['normal']['nodes'][0].__setitem__(0, ['skip']),
     r'cells.normal.nodes\[0\]\[0\]: found \["skip"\], expected at least 2'),
    (lambda d: d.__setitem__('format', 'other/v9'),
     r'format: found "other/v9", expected \'mmposenas.genotype/v1\''),
    (lambda d: d.__setitem__('cells', {}),
     r'cells: found \{\}, expected at least 1 entry'),
])
def test_malformed_genotypes_raise_named_errors(mutate, message):
    with pytest.raises(GenotypeError, match=message):
        Genotype.from_dict(bad(mutate))


def test_missing_cell_type_and_op_set_restriction():
    data = make_genotype().to_dict()
    del data['cells']['reduce']
    with pytest.raises(GenotypeError, match=r"missing cell type\(s\) "
                       r"\['reduce'\]"):
        Genotype.from_dict(data, required=['normal', 'reduce'])
    with pytest.raises(GenotypeError, match="unknown op 'max_pool_3x3'"):
        Genotype.from_dict(data, op_names=['skip_connect', 'sep_conv_3x3'])


def test_file_errors_name_the_file(tmp_path):
    path = tmp_path / 'broken.json'
    path.write_text('{"cells": ')
    with pytest.raises(GenotypeError, match='broken.json.*not valid JSON'):
        Genotype.load(str(path))
    with pytest.raises(GenotypeError, match='does not exist'):
        Genotype.load(str(tmp_path / 'missing.json'))
    path.write_text(json.dumps(bad(lambda d: d['cells']['normal'].__setitem__(
        'concat', [7]))))
    with pytest.raises(GenotypeError, match=r"broken.json'?: cells.normal"):
        Genotype.load(str(path))


def test_save_keeps_old_file_when_serialisation_fails(tmp_path):
    path = str(tmp_path / 'genotype.json')
    make_genotype().save(path)
    before = open(path).read()
    g = make_genotype()
    g.extras['not_json'] = object()
    with pytest.raises(TypeError):
        g.save(path)
    assert open(path).read() == before
    assert CellGenotype([[('skip_connect', 0)]], [2]).num_nodes == 1


def test_to_dict_returns_a_copy_of_extras():
    from mmposenas.models.search import CellGenotype, Genotype
    cell = CellGenotype(nodes=[[('skip_connect', 0), ('skip_connect', 1)]],
                        concat=[2], num_inputs=2, extras=dict(a=[1]))
    g = Genotype(cells=dict(normal=cell), extras=dict(op_names=['x']))
    d = g.to_dict()
    d['extras']['op_names'].append('y')
    d['cells']['normal']['extras']['a'].append(2)
    assert g.extras == dict(op_names=['x']) and cell.extras == dict(a=[1])
