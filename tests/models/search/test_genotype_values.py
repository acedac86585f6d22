"""Exact text of the genotype schema errors (field path, found, expected)."""
import pytest

from mmposenas.models.search import CellGenotype, Genotype, GenotypeError
from mmposenas.models.search.genotype import check_schema


def _data():
    return Genotype(cells={'normal': CellGenotype(
        nodes=[[('skip_connect', 0), ('conv_3x3', 1)]], concat=[2],
        num_inputs=2)}).to_dict()


def _lines(data, source='f.json'):
    with pytest.raises(GenotypeError) as info:
        check_schema(data, source)
    text = str(info.value)
    head, _, body = text.partition(':\n  ')
    assert head.startswith(f'genotype {source} does not follow the genotype '
                           'schema (')
    return body.split('\n  ')


def test_unknown_keys_are_listed_with_a_guess_and_the_allowed_keys():
    data = _data()
    data['cels'] = 1
    data['zzz'] = 2
    assert _lines(data) == [
        "(top level): unknown key 'cels'; did you mean 'cells'?, unknown "
        "key 'zzz' (allowed keys: cells, extras, format)"]


def test_missing_keys_are_quoted_and_comma_separated():
    data = _data()
    del data['cells']['normal']['concat']
    del data['cells']['normal']['nodes']
    assert set(_lines(data)) == {'cells.normal: missing key "nodes", '
                                 '"concat"'}


def test_found_value_is_shown_up_to_80_characters():
    data = _data()
    data['cells']['normal']['num_inputs'] = 'x' * 78  # json: 80 characters
    assert _lines(data) == [
        'cells.normal.num_inputs: found "' + 'x' * 78 + '", expected a '
        "value of type 'integer'"]
    data['cells']['normal']['num_inputs'] = 'x' * 79  # 81: cut to 77 + ...
    assert _lines(data) == [
        'cells.normal.num_inputs: found "' + 'x' * 76 + '..., expected a '
        "value of type 'integer'"]


def test_empty_op_name_expects_a_non_empty_string():
    data = _data()
    data['cells']['normal']['nodes'][0][0][0] = ''
    assert _lines(data) == [
        'cells.normal.nodes[0][0][0]: found "", expected a non-empty string']


def test_default_source_is_dict():
    with pytest.raises(GenotypeError, match=r'^genotype <dict> does not'):
        check_schema({'format': 'mmposenas.genotype/v1'})
