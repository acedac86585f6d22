"""Genotypes: save/load round trips and rejection of malformed dicts."""
import copy
import json
import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from mmposenas.models.search import CellGenotype, Genotype, GenotypeError
from mmposenas.models.search.ops import OPS

OP_NAMES = sorted(OPS)
names = st.from_regex(r'[a-z][a-z0-9_]{0,8}', fullmatch=True)
texts = st.text(st.characters(blacklist_categories=('Cs', 'Cc')),
                max_size=8)
json_scalars = (st.none() | st.booleans() | st.integers(-2**40, 2**40)
                | st.floats(allow_nan=False, allow_infinity=False) | texts)
json_values = st.recursive(
    json_scalars, lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(texts, inner, max_size=3), max_leaves=8)
extras = st.dictionaries(texts, json_values, max_size=3)


@st.composite
def cells(draw):
    num_inputs = draw(st.integers(1, 3))
    num_nodes = draw(st.integers(1, 4))
    nodes = [[(draw(st.sampled_from(OP_NAMES)),
               draw(st.integers(0, num_inputs + i - 1)))
              for _ in range(draw(st.integers(1, 3)))]
             for i in range(num_nodes)]
    concat = draw(st.lists(st.integers(0, num_inputs + num_nodes - 1),
                           min_size=1, max_size=4))
    return CellGenotype(nodes, concat, num_inputs, draw(extras))


genotypes = st.builds(Genotype, cells=st.dictionaries(names, cells(),
                                                      min_size=1, max_size=3),
                      extras=extras)


@given(genotype=genotypes, suffix=st.sampled_from(['.json', '.yaml', '.yml']))
def test_file_round_trip(tmp_path_factory, genotype, suffix):
    path = str(tmp_path_factory.mktemp('g') / f'genotype{suffix}')
    genotype.save(path)
    loaded = Genotype.load(path, required=list(genotype.cells))
    assert loaded == genotype
    loaded.save(path)  # a second round trip is a fixed point
    assert Genotype.load(path) == genotype


@given(genotype=genotypes)
def test_dict_round_trip(genotype):
    data = json.loads(genotype.to_json())
    assert data['format'] == 'mmposenas.genotype/v1'
    assert Genotype.from_dict(data) == genotype
    assert Genotype.coerce(data) == genotype


def _set(path, value):
    def mutate(d):
        node = d
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return mutate


def _delete(path):
    def mutate(d):
        node = d
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
    return mutate


DEFECTS = ['bad_op', 'input_too_large', 'input_negative', 'input_not_int',
           'edge_not_pair', 'empty_node', 'no_nodes', 'concat_out_of_range',
           'empty_concat', 'bad_num_inputs', 'missing_key', 'bad_cell_extras',
           'cell_not_mapping', 'bad_cells', 'bad_format', 'bad_extras']


@st.composite
def malformed(draw, kind):
    """A valid genotype dict with one defect, and the key path the error
    message must name."""
    genotype = draw(genotypes)
    data = json.loads(genotype.to_json())
    ct = draw(st.sampled_from(sorted(data['cells'])))
    cell = data['cells'][ct]
    i = draw(st.integers(0, len(cell['nodes']) - 1))
    e = draw(st.integers(0, len(cell['nodes'][i]) - 1))
    n_in = cell['num_inputs']
    total = n_in + len(cell['nodes'])
    bad_op = draw(texts.filter(lambda t: t not in OPS))
    edge = ['cells', ct, 'nodes', i, e]
    defects = [
        (_set(edge, [bad_op, 0]), f'cells.{ct}.nodes[{i}][{e}]'),
        (_set(edge + [1], n_in + i + draw(st.integers(0, 5))),
         f'cells.{ct}.nodes[{i}][{e}]'),
        (_set(edge + [1], -draw(st.integers(1, 5))),
         f'cells.{ct}.nodes[{i}][{e}]'),
        (_set(edge + [1], draw(st.sampled_from([True, 1.0, '0', None]))),
         f'cells.{ct}.nodes[{i}][{e}]'),
        (_set(edge, draw(st.sampled_from([['skip_connect'], 'skip_connect',
                                          ['skip_connect', 0, 1], {}]))),
         f'cells.{ct}.nodes[{i}][{e}]'),
        (_set(['cells', ct, 'nodes', i], []), f'cells.{ct}.nodes[{i}]'),
        (_set(['cells', ct, 'nodes'], []), f'cells.{ct}.nodes'),
        (_set(['cells', ct, 'concat'], [total + draw(st.integers(0, 3))]),
         f'cells.{ct}.concat'),
        (_set(['cells', ct, 'concat'], []), f'cells.{ct}.concat'),
        (_set(['cells', ct, 'num_inputs'],
              draw(st.sampled_from([0, -1, '2', 2.5]))),
         f'cells.{ct}'),
        (_delete(['cells', ct, draw(st.sampled_from(['nodes', 'concat']))]),
         f'cells.{ct}'),
        (_set(['cells', ct, 'extras'], draw(st.sampled_from([[], 'x', 1]))),
         f'cells.{ct}.extras'),
        (_set(['cells', ct], draw(st.sampled_from([[], 'x', None]))),
         f'cells.{ct}'),
        (_set(['cells'], draw(st.sampled_from([{}, [], None]))), 'cells'),
        (_set(['format'], draw(texts.filter(
            lambda t: t != 'mmposenas.genotype/v1'))), 'format'),
        (_set(['extras'], draw(st.sampled_from([[], 'x', 3]))), 'extras'),
    ]
    assert len(defects) == len(DEFECTS)
    mutate, where = defects[DEFECTS.index(kind)]
    mutate(data)
    return data, where


@pytest.mark.parametrize('kind', DEFECTS)  # every defect, every run
@given(data=st.data())
def test_malformed_genotype_is_rejected_naming_the_key(kind, data):
    data, where = data.draw(malformed(kind))
    with pytest.raises(GenotypeError) as err:
        Genotype.from_dict(copy.deepcopy(data), source='probe.json')
    message = str(err.value)
    assert message.startswith('genotype probe.json'), message
    assert where in message, (where, message)


@given(data=json_values.filter(lambda v: not isinstance(v, dict)))
def test_non_mapping_top_level_is_rejected(data):
    # the JSON Schema check (main) or the parser names the top level
    with pytest.raises(GenotypeError,
                       match=r"expected a mapping|top level.*'object'"):
        Genotype.from_dict(data)


@given(genotype=genotypes, missing=names)
def test_required_cell_types(genotype, missing):
    assume(missing not in genotype.cells)
    with pytest.raises(GenotypeError, match=f"missing cell type.*{missing}"):
        Genotype.from_dict(genotype.to_dict(),
                           required=[*genotype.cells, missing])
    assert not math.isnan(len(genotype.cells))
