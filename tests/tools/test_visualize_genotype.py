"""tools/visualize_genotype.py and mmposenas.visualization."""
import json

import matplotlib.image as mpimg
import pytest

from mmposenas.models.search import CellGenotype, Genotype
from mmposenas.visualization import cell_to_dot, node_labels
from mmposenas.visualization.genotype_plot import draw_cell, draw_genotype
from tools_test_utils import REPO, derived, load_tool

vis = load_tool('tools/visualize_genotype.py')
H36M18 = f'{REPO}/configs/_base_/datasets/h36m18.py'


def _png_ok(path):
    image = mpimg.imread(path)
    assert image.ndim == 3 and image.shape[0] > 50 and image.shape[1] > 50
    assert image.std() > 0.01  # not blank


def test_part_aware_genotype_pictures(tmp_path):
    _, _, genotype_file, _, _ = derived('pa')
    history = tmp_path / 'history.json'
    history.write_text(json.dumps([
        dict(epoch=1, iter=3, entropy=dict(normal=0.99, fusion=0.98)),
        dict(epoch=2, iter=6, entropy=dict(normal=0.95, fusion=0.9)),
    ]))
    written = vis.main([genotype_file, '--out-dir', str(tmp_path / 'png'),
                        '--metainfo', H36M18, '--history', str(history),
                        '--engine', 'matplotlib'])
    names = sorted(p.rsplit('/', 1)[1] for p in written)
    assert names == ['arch_entropy.png', 'cell_fusion.png', 'cell_normal.png',
                     'cell_reduce.png']
    for path in written:
        _png_ok(path)


def test_fusion_nodes_named_by_joint_group():
    _, _, genotype_file, _, _ = derived('pa')
    fusion = Genotype.load(genotype_file)['fusion']
    names = vis.load_joint_names(H36M18)
    assert names[0] == 'root' and len(names) == 18
    labels = node_labels(fusion, names)
    groups = fusion.extras['node_groups']
    assert len(labels) == 2 + len(groups)
    for i, group in enumerate(groups):
        assert labels[2 + i].split('\n') == [str(i)] + [names[k]
                                                         for k in group]


def test_dot_has_every_edge():
    cell = CellGenotype(nodes=[[('sep_conv_3x3', 0), ('skip_connect', 1)],
                               [('max_pool_3x3', 2), ('dil_conv_3x3', 0)]],
                        concat=[2, 3])
    dot = cell_to_dot(cell, 'normal')
    for edge in ('n0 -> n2 [label="sep_conv_3x3"',
                 'n1 -> n2 [label="skip_connect"',
                 'n2 -> n3 [label="max_pool_3x3"',
                 'n0 -> n3 [label="dil_conv_3x3"', 'n2 -> out', 'n3 -> out'):
        assert edge in dot


def test_network_level_extras(tmp_path):
    cell = CellGenotype(nodes=[[('conv_3x3', 0)]], concat=[1], num_inputs=1)
    genotype = Genotype(cells=dict(normal=cell), extras=dict(
        branches=[[1, 0, 0], [1, 1, 0], [0, 1, 1]],
        fabric_beta=[[[0.2, 0.5, 0.3]] * 3] * 4))
    written = draw_genotype(genotype, str(tmp_path), engine='matplotlib')
    assert sorted(p.rsplit('/', 1)[1] for p in written) == [
        'branches.png', 'cell_normal.png', 'fabric.png']
    for path in written:
        _png_ok(path)
    bad = Genotype(cells=dict(normal=cell),
                   extras=dict(fabric_beta=[[[0.5, 0.5]]]))
    with pytest.raises(ValueError, match=r'fabric_beta\[0\]\[0\]'):
        draw_genotype(bad, str(tmp_path / 'bad'), engine='matplotlib')


def _parse_dot(text):
    """(node labels by id, op edges, concat sources) of ``cell_to_dot``."""
    import re
    labels = dict(re.findall(r'^  (n\d+|out) \[label="([^"]*)"', text, re.M))
    edges = sorted((int(a), int(b), op) for a, b, op in re.findall(
        r'^  n(\d+) -> n(\d+) \[label="([^"]*)"', text, re.M))
    concat = sorted(int(a) for a in re.findall(r'^  n(\d+) -> out', text,
                                               re.M))
    return labels, edges, concat


def test_written_dot_sources_equal_the_genotype(tmp_path):
    # the graphviz path without the binary: the DOT source of every cell,
    # read back, has exactly the genotype's nodes, edges and group labels
    _, _, genotype_file, _, _ = derived('pa')
    genotype = Genotype.load(genotype_file)
    written = vis.main([genotype_file, '--out-dir', str(tmp_path),
                        '--metainfo', H36M18, '--engine', 'matplotlib',
                        '--write-dot'])
    names = vis.load_joint_names(H36M18)
    dots = sorted(p for p in written if p.endswith('.dot'))
    assert [p.rsplit('/', 1)[1] for p in dots] == [
        'cell_fusion.dot', 'cell_normal.dot', 'cell_reduce.dot']
    for cell_type, cell in genotype.cells.items():
        text = (tmp_path / f'cell_{cell_type}.dot').read_text()
        assert text.startswith(f'digraph "{cell_type} cell" {{')
        labels, edges, concat = _parse_dot(text)
        n_in = cell.num_inputs
        assert len(labels) == n_in + cell.num_nodes + 1  # + output node
        assert [labels[f'n{j}'] for j in range(n_in)] == (
            ['c_{k-2}', 'c_{k-1}'] if n_in == 2 else
            [f'in{j}' for j in range(n_in)])
        assert edges == sorted((j, n_in + i, op)
                               for i, node in enumerate(cell.nodes)
                               for op, j in node)
        assert concat == sorted(cell.concat)
        groups = cell.extras.get('node_groups')
        for i in range(cell.num_nodes):
            lines = labels[f'n{n_in + i}'].split('\\n')
            expected = [str(i)]
            if groups is not None:
                expected += [names[k] for k in groups[i]]
            assert lines == expected
    # the fusion cell carries body-part groups, so the check above saw names
    assert genotype['fusion'].extras['node_groups']


def test_graphviz_engine_without_dot_binary(tmp_path, monkeypatch):
    cell = CellGenotype(nodes=[[('skip_connect', 0)]], concat=[1],
                        num_inputs=1)
    monkeypatch.setenv('PATH', str(tmp_path))  # no `dot` on PATH
    with pytest.raises(RuntimeError, match='`dot` binary'):
        draw_cell(cell, str(tmp_path / 'c.png'), engine='graphviz')
    # auto falls back to matplotlib and still writes a picture
    assert draw_cell(cell, str(tmp_path / 'c.png')) == 'matplotlib'
    _png_ok(str(tmp_path / 'c.png'))


def test_graphviz_engine_invocation(tmp_path, monkeypatch):
    # graphviz is not installed here; a stand-in `dot` on PATH records how
    # draw_cell calls it (arguments and the DOT text on stdin). What graphviz
    # makes of the DOT is not tested here, only what it is given.
    import os
    import sys
    fake = tmp_path / 'bin' / 'dot'
    fake.parent.mkdir()
    fake.write_text(f'#!{sys.executable}\n'
                    'import sys\n'
                    'out = sys.argv[sys.argv.index("-o") + 1]\n'
                    'open(out + ".args", "w").write(" ".join(sys.argv[1:]))\n'
                    'open(out, "w").write(sys.stdin.read())\n')
    fake.chmod(0o755)
    monkeypatch.setenv('PATH', f'{fake.parent}{os.pathsep}'
                       f'{os.environ["PATH"]}')
    cell = CellGenotype(nodes=[[('sep_conv_3x3', 0), ('skip_connect', 1)]],
                        concat=[2])
    path = tmp_path / 'cell.png'
    assert draw_cell(cell, str(path), 'normal cell') == 'graphviz'
    assert (tmp_path / 'cell.png.args').read_text() == f'-Tpng -o {path}'
    assert path.read_text() == cell_to_dot(cell, 'normal cell')
