"""PartAwareNASBackbone: paper defaults, what the derived genotype stores and
the fusion-cell checks of a fixed network (mutants of
``part_aware_nas.py`` the older tests let through, see docs/testing.md)."""
import copy

import pytest
from mmpose.registry import MODELS

import mmposenas  # noqa: F401
from mmposenas.models.backbones import cell_layout
from mmposenas.models.search import Genotype, GenotypeError

UNEVEN = [[0, 1, 2, 3, 4, 5, 6], [7, 8], [9, 10, 11, 12, 13, 14, 15, 16, 17]]
TINY = dict(type='PartAwareNASBackbone', num_keypoints=18, depth_bins=4,
            groups=UNEVEN, num_cells=5, num_reductions=2, num_fusions=2,
            stem_channels=8, channels=4, num_nodes=2, joint_channels=2)


def test_paper_defaults():
    net = MODELS.build(dict(type='PartAwareNASBackbone'))
    assert net.layout == cell_layout(10, 5, 3, 'darts')
    assert net.groups == [list(range(6)), list(range(6, 12)),
                          list(range(12, 18))]  # 3 even groups of 18 joints
    assert (net.num_keypoints, net.depth_bins, net.joint_channels,
            net.num_nodes) == (18, 64, 16, 4)
    assert net.stem[0].in_channels == 3 and net.stem[0].out_channels == 48
    assert net.arch_params.tau == 1.0 and net.arch_params.sampling == 'softmax'


def test_reduction_rule_and_init_cfg_are_passed_on():
    cfg = dict(TINY, num_cells=20, num_reductions=5, num_fusions=3,
               reduction_rule='literal',
               init_cfg=dict(type='Constant', layer='Conv2d', val=0.5))
    net = MODELS.build(cfg)
    assert net.layout == cell_layout(20, 5, 3, 'literal')
    assert net.layout != cell_layout(20, 5, 3, 'darts')
    assert net.init_cfg == cfg['init_cfg']


def test_derived_genotype_stores_groups_op_names_and_two_edges_per_node():
    net = MODELS.build(TINY)
    g = net.derive_genotype()
    assert g.extras == dict(op_names=list(net.op_names),
                            part_groups=UNEVEN)
    assert g['fusion'].extras['node_groups'] == UNEVEN
    assert g['fusion'].num_nodes == 3 and g['normal'].num_nodes == 2
    for cell in g.cells.values():
        assert all(len(node) == 2 for node in cell.nodes)


def _without_groups(genotype, **fusion):
    """The genotype without stored groups (they come from ``groups``)."""
    data = copy.deepcopy(genotype.to_dict())
    data['extras'].pop('part_groups')
    data['cells']['fusion'].pop('extras', None)
    data['cells']['fusion'].update(fusion)
    return Genotype.from_dict(data)


def test_fixed_network_checks_the_fusion_cell():
    g = MODELS.build(TINY).derive_genotype()
    fixed = MODELS.build(dict(TINY, genotype=g, groups=None))
    assert fixed.groups == UNEVEN
    fixed = MODELS.build(dict(TINY, genotype=_without_groups(g)))
    assert fixed.groups == UNEVEN
    nodes = g.to_dict()['cells']['fusion']['nodes']
    with pytest.raises(GenotypeError, match='cells.fusion.nodes'):
        MODELS.build(dict(TINY, genotype=_without_groups(
            g, nodes=nodes[:2], concat=[2, 3])))
    with pytest.raises(GenotypeError, match='cells.fusion.concat'):
        MODELS.build(dict(TINY, genotype=_without_groups(g, concat=[2, 4])))
