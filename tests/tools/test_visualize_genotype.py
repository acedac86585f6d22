"""tools/visualize_genotype.py and mmposenas.visualization."""
import json

import matplotlib.image as mpimg
import pytest

from mmposenas.models.search import CellGenotype, Genotype
from mmposenas.visualization import cell_to_dot, node_labels
from mmposenas.visualization.genotype_plot import draw_genotype
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
