"""Genotypes: the discrete architecture a search derives and a fixed net builds.

A :class:`Genotype` maps a cell type (``'normal'``, ``'reduce'``, ``'fusion'``,
...) to a :class:`CellGenotype`. Intermediate node ``i`` of a cell with ``n_in``
input nodes may read from nodes ``0 .. n_in + i - 1`` (the inputs first, then
earlier intermediate nodes), as in DARTS. JSON layout::

    {"format": "mmposenas.genotype/v1",
     "cells": {"normal": {"nodes": [[["sep_conv_3x3", 0], ["skip_connect", 1]],
                                    ...],
                          "concat": [2, 3, 4, 5], "num_inputs": 2,
                          "extras": {}}},
     "extras": {}}

``extras`` carry method-specific data (per-node channels, part groups,
branch masks, ...); they must be JSON-serialisable.

Validation happens in one place, before any network is built: the file is
checked against the JSON Schema shipped next to this module
(``genotype.schema.json``, see :func:`genotype_schema`) with the
``jsonschema`` library, then structurally (op names, node indices, required
cell types). Every error names the source file, the field path (e.g.
``cells.fusion.nodes[2][0]``), what was found and what was expected; unknown
keys are errors with a "did you mean". Backbones add their own structural
checks with :meth:`Genotype.check_cell` and name the same file.
"""
import copy
import difflib
import functools
import json
import os.path as osp
from dataclasses import dataclass, field
from typing import (Any, Dict, Iterable, List, Optional, Sequence, Tuple,
                    Union)

import torch
from torch import Tensor

from mmposenas.utils.io import atomic_write_text
from .ops import OPS, ZERO

FORMAT = 'mmposenas.genotype/v1'
SCHEMA_FILE = osp.join(osp.dirname(__file__), 'genotype.schema.json')
Edge = Tuple[str, int]


class GenotypeError(ValueError):
    """A genotype (file or dict) does not follow the schema."""


@functools.lru_cache(maxsize=1)
def genotype_schema() -> Dict[str, Any]:
    """The JSON Schema (draft 2020-12) of genotype files."""
    with open(SCHEMA_FILE, encoding='utf-8') as f:
        return json.load(f)


def field_path(path: Iterable[Union[str, int]]) -> str:
    """``['cells', 'fusion', 'nodes', 2, 0]`` -> ``cells.fusion.nodes[2][0]``."""
    out = ''
    for part in path:
        if isinstance(part, int):
            out += f'[{part}]'
        else:
            out += f'.{part}' if out else str(part)
    return out or '(top level)'


def _schema_message(error) -> str:
    """One actionable sentence for a ``jsonschema`` validation error."""
    where = field_path(error.absolute_path)
    if error.validator == 'additionalProperties':
        allowed = sorted(error.schema.get('properties', {}))
        unknown = sorted(set(error.instance) - set(allowed))
        parts = []
        for key in unknown:
            guess = difflib.get_close_matches(key, allowed, n=1)
            hint = f'; did you mean {guess[0]!r}?' if guess else ''
            parts.append(f'unknown key {key!r}{hint}')
        return (f'{where}: ' + ', '.join(parts) +
                f' (allowed keys: {", ".join(allowed)})')
    if error.validator == 'required':
        missing = [k for k in error.validator_value if k not in error.instance]
        return f'{where}: missing key ' + ', '.join(f'"{k}"' for k in missing)
    found = json.dumps(error.instance)
    if len(found) > 80:
        found = found[:77] + '...'
    expected = {
        'type': f'a value of type {error.validator_value!r}',
        'const': f'{error.validator_value!r}',
        'minItems': f'at least {error.validator_value} item(s)',
        'maxItems': f'at most {error.validator_value} item(s)',
        'minimum': f'a number >= {error.validator_value}',
        'minProperties': f'at least {error.validator_value} entry(ies)',
        'minLength': 'a non-empty string',
    }.get(error.validator, f'{error.validator} {error.validator_value!r}')
    return f'{where}: found {found}, expected {expected}'


def check_schema(data: Any, source: str = '<dict>') -> None:
    """Validate parsed genotype data against :func:`genotype_schema`.

    Raises:
        GenotypeError: Naming ``source`` and every violation (field path,
            found, expected), deepest first.
    """
    import jsonschema

    validator = jsonschema.Draft202012Validator(genotype_schema())
    errors = sorted(validator.iter_errors(data),
                    key=lambda e: (list(map(str, e.absolute_path)),
                                   e.validator))
    if errors:
        lines = [_schema_message(e) for e in errors[:10]]
        more = f'\n  ... and {len(errors) - 10} more' if len(errors) > 10 \
            else ''
        raise GenotypeError(f'genotype {source} does not follow the genotype '
                            f'schema ({SCHEMA_FILE}):\n  ' +
                            '\n  '.join(lines) + more)


@dataclass
class CellGenotype:
    """The derived ops of one cell type.

    Attributes:
        nodes (list[list[tuple[str, int]]]): Per intermediate node, its
            incoming edges as ``(op_name, input_node)``.
        concat (list[int]): Nodes concatenated into the cell output.
        num_inputs (int): Number of input nodes (2 in DARTS cells).
        extras (dict): Method-specific data (JSON-serialisable).
    """
    nodes: List[List[Edge]]
    concat: List[int]
    num_inputs: int = 2
    extras: Dict[str, Any] = field(default_factory=dict)

    @property
    def num_nodes(self) -> int:
        """Number of intermediate nodes."""
        return len(self.nodes)

    def to_dict(self) -> Dict[str, Any]:
        return dict(nodes=[[[op, int(j)] for op, j in node]
                           for node in self.nodes],
                    concat=[int(c) for c in self.concat],
                    num_inputs=int(self.num_inputs),
                    extras=copy.deepcopy(self.extras))

    def select_inputs(self, keep: Sequence[int]) -> 'CellGenotype':
        """The cell restricted to the input nodes ``keep``.

        Edges from the other input nodes are dropped and node indices are
        renumbered: kept input ``keep[k]`` becomes input ``k`` and
        intermediate node ``i`` keeps its position after the new inputs
        (e.g. a multi-branch aggregation cell built for the active branches
        only).

        Args:
            keep (Sequence[int]): Input nodes to keep, ascending.

        Returns:
            CellGenotype: With ``num_inputs = len(keep)``.

        Raises:
            GenotypeError: ``keep`` is empty, unsorted or out of range, an
                intermediate node loses all its edges, or ``concat`` names a
                dropped input.
        """
        keep = [int(k) for k in keep]
        if (not keep or sorted(set(keep)) != keep or keep[0] < 0
                or keep[-1] >= self.num_inputs):
            raise GenotypeError(
                f'select_inputs: expected ascending distinct input nodes in '
                f'[0, {self.num_inputs}), got {keep}')
        new_index = {old: new for new, old in enumerate(keep)}
        shift = len(keep) - self.num_inputs
        for i in range(self.num_nodes):
            new_index[self.num_inputs + i] = self.num_inputs + i + shift
        nodes = []
        for i, node in enumerate(self.nodes):
            edges = [(op, new_index[j]) for op, j in node if j in new_index]
            if not edges:
                raise GenotypeError(
                    f'select_inputs({keep}): intermediate node {i} reads only '
                    f'dropped inputs {[j for _, j in node]}')
            nodes.append(edges)
        dropped = [c for c in self.concat if c not in new_index]
        if dropped:
            raise GenotypeError(f'select_inputs({keep}): concat names the '
                                f'dropped input node(s) {dropped}')
        return CellGenotype(nodes=nodes,
                            concat=[new_index[c] for c in self.concat],
                            num_inputs=len(keep), extras=dict(self.extras))


@dataclass
class Genotype:
    """A whole derived architecture: one :class:`CellGenotype` per cell type.

    Attributes:
        cells (dict[str, CellGenotype]): Cell genotypes by cell type.
        extras (dict): Network-level data (e.g. part groups, branch masks).
    """
    cells: Dict[str, CellGenotype]
    extras: Dict[str, Any] = field(default_factory=dict)
    #: Where the genotype was read from (named in errors; not serialised).
    source: str = field(default='<dict>', compare=False, repr=False)

    def __getitem__(self, cell_type: str) -> CellGenotype:
        if cell_type not in self.cells:
            raise GenotypeError(f'genotype {self.source}: cells has no cell '
                                f'type {cell_type!r}; it has '
                                f'{sorted(self.cells)}')
        return self.cells[cell_type]

    def error(self, path: str, found: Any, expected: str) -> GenotypeError:
        """A :class:`GenotypeError` naming this genotype's source and field."""
        return GenotypeError(f'genotype {self.source}: {path}: found '
                             f'{found}, expected {expected}')

    def check_cell(self, cell_type: str, num_inputs: Optional[int] = None,
                   num_nodes: Optional[int] = None,
                   concat_all: bool = False,
                   purpose: str = '') -> CellGenotype:
        """Structural check of one cell against the network that builds it.

        Args:
            cell_type (str): Key in ``cells``.
            num_inputs (int, optional): Input nodes the network feeds it.
            num_nodes (int, optional): Intermediate nodes it must have.
            concat_all (bool): Every intermediate node must be concatenated,
                in order (e.g. fusion nodes carry one part group each).
            purpose (str): Why, appended to the expectation (e.g. "one per
                part group").

        Returns:
            CellGenotype: The checked cell.

        Raises:
            GenotypeError: Naming the file, the field, found and expected.
        """
        cell = self[cell_type]
        why = f' ({purpose})' if purpose else ''
        key = f'cells.{cell_type}'
        if num_inputs is not None and cell.num_inputs != num_inputs:
            raise self.error(f'{key}.num_inputs', cell.num_inputs,
                             f'{num_inputs}: this network feeds the '
                             f'{cell_type} cell {num_inputs} input node(s)')
        if num_nodes is not None and cell.num_nodes != num_nodes:
            raise self.error(f'{key}.nodes', f'{cell.num_nodes} node(s)',
                             f'{num_nodes} intermediate node(s){why}')
        if concat_all:
            want = list(range(cell.num_inputs,
                              cell.num_inputs + cell.num_nodes))
            if list(cell.concat) != want:
                raise self.error(f'{key}.concat', list(cell.concat),
                                 f'{want}: every intermediate node, in '
                                 f'order{why}')
        return cell

    # ------------------------------------------------------------- serialising
    def to_dict(self) -> Dict[str, Any]:
        return dict(format=FORMAT,
                    cells={k: c.to_dict() for k, c in self.cells.items()},
                    extras=copy.deepcopy(self.extras))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + '\n'

    def to_yaml(self) -> str:
        import yaml
        return yaml.safe_dump(self.to_dict(), sort_keys=False)

    def save(self, path: str) -> None:
        """Write to ``path`` (``.json``, ``.yaml`` or ``.yml``) atomically."""
        text = self.to_yaml() if path.endswith(('.yaml', '.yml')) \
            else self.to_json()
        atomic_write_text(path, text)

    @classmethod
    def from_dict(cls, data: Dict[str, Any], source: str = '<dict>',
                  op_names: Optional[Sequence[str]] = None,
                  required: Iterable[str] = ()) -> 'Genotype':
        """Parse and validate a genotype dict.

        Args:
            data (dict): The parsed JSON/YAML content.
            source (str): Where it came from, used in error messages.
            op_names (Sequence[str], optional): Allowed op names; any op of
                :data:`OPS` when omitted.
            required (Iterable[str]): Cell types that must be present.

        Raises:
            GenotypeError: Naming ``source``, the key and what was expected.
        """
        where = f'genotype {source}'
        check_schema(data, source)
        if not isinstance(data, dict):
            raise GenotypeError(f'{where}: expected a mapping at the top '
                                f'level, got {type(data).__name__}')
        fmt = data.get('format', FORMAT)
        if fmt != FORMAT:
            raise GenotypeError(f'{where}: key "format" is {fmt!r}; expected '
                                f'{FORMAT!r}')
        cells_raw = data.get('cells')
        if not isinstance(cells_raw, dict) or not cells_raw:
            raise GenotypeError(f'{where}: key "cells" must be a non-empty '
                                f'mapping of cell type to cell genotype')
        cells = {
            str(k): _parse_cell(v, f'{where}: cells.{k}')
            for k, v in cells_raw.items()
        }
        extras = data.get('extras', {})
        if not isinstance(extras, dict):
            raise GenotypeError(f'{where}: key "extras" must be a mapping')
        genotype = cls(cells=cells, extras=extras, source=source)
        genotype.validate(op_names=op_names, required=required, source=source)
        return genotype

    @classmethod
    def load(cls, path: str, op_names: Optional[Sequence[str]] = None,
             required: Iterable[str] = ()) -> 'Genotype':
        """Read and validate a ``.json``/``.yaml`` genotype file."""
        if not osp.isfile(path):
            raise GenotypeError(f'genotype file {path!r} does not exist')
        with open(path, encoding='utf-8') as f:
            text = f.read()
        try:
            if path.endswith(('.yaml', '.yml')):
                import yaml
                data = yaml.safe_load(text)
            else:
                data = json.loads(text)
        except Exception as err:  # json.JSONDecodeError, yaml.YAMLError
            raise GenotypeError(
                f'genotype file {path!r} is not valid '
                f'{"YAML" if path.endswith(("yaml", "yml")) else "JSON"}: '
                f'{err}') from err
        return cls.from_dict(data, source=repr(path), op_names=op_names,
                             required=required)

    @classmethod
    def coerce(cls, value: Union['Genotype', Dict[str, Any], str],
               op_names: Optional[Sequence[str]] = None,
               required: Iterable[str] = ()) -> 'Genotype':
        """A :class:`Genotype` from a genotype, a dict or a file path."""
        if isinstance(value, Genotype):
            value.validate(op_names=op_names, required=required)
            return value
        if isinstance(value, str):
            return cls.load(value, op_names=op_names, required=required)
        if isinstance(value, dict):
            try:  # plain JSON data: ConfigDicts to dicts, tuples to lists
                data = json.loads(json.dumps(value))
            except (TypeError, ValueError) as err:
                raise GenotypeError(f'genotype given as a dict is not JSON '
                                    f'data: {err}') from err
            return cls.from_dict(data, source='<dict>', op_names=op_names,
                                 required=required)
        raise GenotypeError('genotype must be a Genotype, a dict or a path to '
                            f'a .json/.yaml file, got {type(value).__name__}')

    def validate(self, op_names: Optional[Sequence[str]] = None,
                 required: Iterable[str] = (), source: str = '') -> None:
        """Check op names, node indices and required cell types.

        Raises:
            GenotypeError: Unknown op, node index out of range, missing cell.
        """
        source = source or self.source
        where = f'genotype {source}'
        allowed = set(op_names) if op_names is not None else set(OPS)
        missing = [c for c in required if c not in self.cells]
        if missing:
            raise GenotypeError(f'{where}: missing cell type(s) {missing}; '
                                f'it has {sorted(self.cells)}')
        for cell_type, cell in self.cells.items():
            key = f'{where}: cells.{cell_type}'
            if cell.num_inputs < 1:
                raise GenotypeError(f'{key}.num_inputs must be >= 1, got '
                                    f'{cell.num_inputs}')
            for i, node in enumerate(cell.nodes):
                for e, (op, j) in enumerate(node):
                    if op not in allowed:
                        raise GenotypeError(
                            f'{key}.nodes[{i}][{e}]: unknown op {op!r}; '
                            f'expected one of {sorted(allowed)}')
                    if not 0 <= j < cell.num_inputs + i:
                        raise GenotypeError(
                            f'{key}.nodes[{i}][{e}]: input node {j} out of '
                            f'range for intermediate node {i}; expected '
                            f'0 <= j < {cell.num_inputs + i}')
            total = cell.num_inputs + cell.num_nodes
            for c in cell.concat:
                if not 0 <= c < total:
                    raise GenotypeError(
                        f'{key}.concat: node {c} out of range; expected '
                        f'0 <= node < {total}')


def _parse_cell(raw: Any, key: str) -> CellGenotype:
    """Parse one cell genotype mapping, naming ``key`` in errors."""
    if not isinstance(raw, dict):
        raise GenotypeError(f'{key}: expected a mapping with "nodes" and '
                            f'"concat", got {type(raw).__name__}')
    for name in ('nodes', 'concat'):
        if name not in raw:
            raise GenotypeError(f'{key}: missing key "{name}"')
    nodes_raw = raw['nodes']
    if not isinstance(nodes_raw, list) or not nodes_raw:
        raise GenotypeError(f'{key}.nodes: expected a non-empty list of '
                            f'intermediate nodes')
    nodes: List[List[Edge]] = []
    for i, node in enumerate(nodes_raw):
        if not isinstance(node, list) or not node:
            raise GenotypeError(f'{key}.nodes[{i}]: expected a non-empty list '
                                f'of [op_name, input_node] pairs')
        edges = []
        for e, edge in enumerate(node):
            if (not isinstance(edge, (list, tuple)) or len(edge) != 2
                    or not isinstance(edge[0], str)
                    or isinstance(edge[1], bool)
                    or not isinstance(edge[1], int)):
                raise GenotypeError(f'{key}.nodes[{i}][{e}]: expected '
                                    f'[op_name: str, input_node: int], got '
                                    f'{edge!r}')
            edges.append((edge[0], edge[1]))
        nodes.append(edges)
    concat = raw['concat']
    if (not isinstance(concat, list) or not concat
            or not all(isinstance(c, int) for c in concat)):
        raise GenotypeError(f'{key}.concat: expected a non-empty list of '
                            f'node indices')
    num_inputs = raw.get('num_inputs', 2)
    if not isinstance(num_inputs, int):
        raise GenotypeError(f'{key}.num_inputs: expected an int')
    extras = raw.get('extras', {})
    if not isinstance(extras, dict):
        raise GenotypeError(f'{key}.extras: expected a mapping')
    return CellGenotype(nodes, list(concat), num_inputs, dict(extras))


# ---------------------------------------------------------------- derivation
def num_cell_edges(num_nodes: int, num_inputs: int = 2) -> int:
    """Edges of a fully connected cell: node i has ``num_inputs + i`` inputs."""
    return sum(num_inputs + i for i in range(num_nodes))


def derive_cell(weights: Tensor, op_names: Sequence[str], num_nodes: int,
                num_inputs: int = 2, top_k: Optional[int] = 2,
                exclude: Sequence[str] = (ZERO, ),
                max_skip: Optional[int] = None,
                skip_op: str = 'skip_connect') -> CellGenotype:
    """Derive a cell genotype from mixing weights.

    DARTS rule (``top_k=2``): per intermediate node keep the ``top_k`` incoming
    edges ranked by their strongest op not in ``exclude``, and on each the
    argmax op not in ``exclude``; edges are listed strongest first (ties go to
    the lower input index). Keep-all variant (``top_k=None``, AutoPose): every
    predecessor is kept, in input order, with its argmax op.

    Args:
        weights (Tensor): (E, O) weights or logits, edges ordered node by node
            and, within a node, by input index.
        op_names (Sequence[str]): The O op names.
        num_nodes (int): Intermediate nodes.
        num_inputs (int): Input nodes.
        top_k (int, optional): Edges kept per node; ``None`` keeps all.
        exclude (Sequence[str]): Ops never chosen (``zero``).
        max_skip (int, optional): P-DARTS-style cap: at most this many kept
            edges may be ``skip_op``; the surplus skip edges with the weakest
            skip weight take their next-best op instead. When the cap bites,
            ``extras['skip_cap']`` records ``{'limit', 'found', 'replaced':
            [[node, input, new_op], ...]}``.
        skip_op (str): The op the cap counts.

    Returns:
        CellGenotype: With ``concat`` = all intermediate nodes.
    """
    expected = num_cell_edges(num_nodes, num_inputs)
    if weights.dim() != 2 or weights.shape != (expected, len(op_names)):
        raise ValueError(f'derive_cell: weights must have shape ({expected}, '
                         f'{len(op_names)}) for {num_nodes} nodes, '
                         f'{num_inputs} inputs and ops {list(op_names)}; got '
                         f'{tuple(weights.shape)}')
    keep = [k for k, name in enumerate(op_names) if name not in exclude]
    if not keep:
        raise ValueError(f'derive_cell: every op of {list(op_names)} is '
                         f'excluded by {list(exclude)}')
    w = weights.detach().float().cpu()[:, keep]
    nodes: List[List[Edge]] = []
    start = 0
    for i in range(num_nodes):
        n_pred = num_inputs + i
        block = w[start:start + n_pred]
        start += n_pred
        strength = block.max(dim=1).values
        if top_k is None:
            chosen = list(range(n_pred))
        else:
            order = sorted(range(n_pred), key=lambda j: (-strength[j].item(),
                                                         j))
            chosen = order[:min(top_k, n_pred)]
        nodes.append([(op_names[keep[int(block[j].argmax())]], j)
                      for j in chosen])
    concat = list(range(num_inputs, num_inputs + num_nodes))
    cell = CellGenotype(nodes=nodes, concat=concat, num_inputs=num_inputs)
    if max_skip is not None:
        _cap_skip_connections(cell, w, [op_names[k] for k in keep], max_skip,
                              skip_op)
    return cell


def _edge_row(num_inputs: int, node: int, j: int) -> int:
    """Row of edge (node, input j) in an (E, O) weight matrix."""
    return num_cell_edges(node, num_inputs) + j


def _cap_skip_connections(cell: CellGenotype, weights: Tensor,
                          names: Sequence[str], max_skip: int,
                          skip_op: str) -> None:
    """Replace surplus ``skip_op`` edges by their next-best op (in place)."""
    if max_skip < 0:
        raise ValueError(f'derive_cell: max_skip must be >= 0, got '
                         f'{max_skip}')
    if skip_op not in names:
        return
    s = names.index(skip_op)
    skips = [(weights[_edge_row(cell.num_inputs, i, j), s].item(), i, e, j)
             for i, node in enumerate(cell.nodes)
             for e, (op, j) in enumerate(node) if op == skip_op]
    if len(skips) <= max_skip:
        return
    replaced = []
    others = [k for k in range(len(names)) if k != s]
    if not others:
        raise ValueError(f'derive_cell: max_skip={max_skip} cannot be met, '
                         f'{skip_op!r} is the only op')
    for _, i, e, j in sorted(skips)[:len(skips) - max_skip]:
        row = weights[_edge_row(cell.num_inputs, i, j)]
        best = max(others, key=lambda k: (row[k].item(), -k))
        cell.nodes[i][e] = (names[best], j)
        replaced.append([i, j, names[best]])
    cell.extras['skip_cap'] = dict(limit=max_skip, found=len(skips),
                                   replaced=replaced)
