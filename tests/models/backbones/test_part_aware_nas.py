import pytest
import torch
from mmpose.registry import MODELS

import mmposenas  # noqa: F401
from mmposenas.models.backbones import cell_layout, reduction_positions
from mmposenas.models.search import CellGenotype, Genotype


@pytest.mark.parametrize('n_c,n_r,n_f,darts,literal', [
    (10, 5, 3, [2, 3, 4, 5, 6], [2, 3, 4, 5, 6]),
    (15, 5, 3, [3, 5, 7, 9, 11], [3, 5, 7, 9, 11]),
    (20, 5, 3, [3, 6, 9, 12, 15], [3, 5, 7, 9, 11]),
    (10, 3, 1, [3, 5, 7], [3, 5, 7]),
    (10, 4, 2, [2, 4, 5, 7], [2, 3, 4, 5]),
    (10, 6, 4, [1, 2, 3, 4, 5, 6], None),  # literal: all at position 1
    (5, 2, 1, [2, 3], [2, 3]),
])
def test_eq8_reduction_positions_both_readings(n_c, n_r, n_f, darts,
                                               literal):
    assert reduction_positions(n_c, n_r, n_f) == darts
    layout = cell_layout(n_c, n_r, n_f)
    assert len(layout) == n_c and layout.count('fusion') == n_f
    assert [i + 1 for i, t in enumerate(layout) if t == 'reduce'] == darts
    if literal is None:
        with pytest.raises(ValueError, match="'literal' reading"):
            reduction_positions(n_c, n_r, n_f, 'literal')
    else:
        assert reduction_positions(n_c, n_r, n_f, 'literal') == literal


def test_paper_default_layout():
    assert cell_layout(10, 5, 3) == ['normal'] + ['reduce'] * 5 + [
        'normal'
    ] + ['fusion'] * 3


@pytest.mark.parametrize('n_c,n_r,n_f', [(10, 6, 5), (4, 5, 0), (6, 6, 1)])
def test_eq8_rejects_layouts_that_do_not_fit(n_c, n_r, n_f):
    with pytest.raises(ValueError):
        reduction_positions(n_c, n_r, n_f)
    with pytest.raises(ValueError, match='reduction rule'):
        reduction_positions(10, 5, 3, 'floor')


UNEVEN = [[0, 1, 2, 3, 4, 5, 6], [7, 8], [9, 10, 11, 12, 13, 14, 15, 16, 17]]
TINY = dict(type='PartAwareNASBackbone', num_keypoints=18, depth_bins=4,
            groups=UNEVEN, num_cells=5, num_reductions=2, num_fusions=2,
            stem_channels=8, channels=4, num_nodes=2, joint_channels=2)


def fusion_cells(net):
    return [c for c in net.cells if c.cell_type == 'fusion']


def expected_adapters(cell):
    """Edges whose source state is not as wide as the node they feed."""
    return sorted(
        cell.adapter_key(i, j) for i, j in cell.edge_index
        if cell.state_channels[j] != cell.state_channels[cell.num_inputs + i])


@pytest.mark.parametrize('groups,widths', [
    (UNEVEN, [[14, 4, 18], [28, 8, 36]]),  # 2 channels/joint, then 4 bins
    (3, [[12, 12, 12], [24, 24, 24]]),  # Strategy I, 6 joints per group
])
def test_fusion_nodes_are_group_maps(groups, widths):
    net = MODELS.build(dict(TINY, groups=groups))
    for cell, node_widths in zip(fusion_cells(net), widths):
        # input nodes as wide as the widest group, then one node per group
        assert cell.state_channels == [max(node_widths)] * 2 + node_widths
        for pre in cell.preprocess:
            assert pre.op.op[1].out_channels == max(node_widths)
        for (i, j), edge in zip(cell.edge_index, cell.edges):
            convs = [m for m in edge.modules()
                     if isinstance(m, torch.nn.Conv2d)]
            assert convs and all(
                m.in_channels == m.out_channels == node_widths[i]
                for m in convs), (i, j)
        assert cell.out_channels == sum(node_widths)
        assert sorted(cell.adapters) == expected_adapters(cell)
        for key, adapter in cell.adapters.items():
            i, j = map(int, key.split('_'))
            conv = adapter.op[1]
            assert conv.kernel_size == (1, 1)
            assert conv.in_channels == cell.state_channels[j]
            assert conv.out_channels == node_widths[i]
    if groups == 3:  # equal groups need no 1x1 convs between nodes
        assert all(len(c.adapters) == 0 for c in fusion_cells(net))
    else:  # e.g. input (18) -> group 0 (14); group 1 (4) -> group 2 (18)
        assert sorted(fusion_cells(net)[0].adapters) == [
            '0_0', '0_1', '1_0', '1_1', '1_2', '2_2', '2_3']
    # encoder cells keep one width and have no adapters
    assert all(len(c.adapters) == 0 for c in net.cells
               if c.cell_type != 'fusion')
    assert net.arch_params.alphas['fusion'].shape == (2 + 3 + 4, 8)


def test_fixed_network_adapters_only_on_kept_mixed_width_edges(tmp_path):
    genotype = MODELS.build(TINY).derive_genotype()
    fusion = genotype['fusion']
    fusion.nodes = [[('skip_connect', 1), ('sep_conv_3x3', 0)],
                    [('max_pool_3x3', 2), ('skip_connect', 1)],
                    [('skip_connect', 0), ('dil_conv_3x3', 3)]]
    fixed = MODELS.build(dict(TINY, genotype=genotype, groups=None))
    for cell in fusion_cells(fixed):
        assert sorted(cell.adapters) == ['0_0', '0_1', '1_1', '1_2', '2_3']
        assert sorted(cell.adapters) == expected_adapters(cell)
    assert fixed(torch.randn(1, 3, 32, 32))[0].shape == (1, 72, 32, 32)


def _fill_nodes(cell, values):
    """Forward hooks: the first edge of node i returns values[i], the others
    zeros, so node i of ``cell`` equals values[i] exactly."""
    first = {}
    for k, (i, _) in enumerate(cell.edge_index):
        first.setdefault(i, k)

    def hook(k, i):
        def fn(module, args, out):
            if first[i] == k:
                return values[i].expand(out.shape[0], -1, *out.shape[2:])
            return torch.zeros_like(out)
        return fn

    for k, (i, _) in enumerate(cell.edge_index):
        cell.edges[k].register_forward_hook(hook(k, i))


def test_reordered_non_contiguous_groups_land_in_joint_channels():
    groups = [[16, 3, 9, 0], [5, 12, 1, 17, 8, 2, 14],
              [11, 4, 7, 15, 10, 13, 6]]
    order = [2, 0, 1]
    cfg = dict(TINY, groups=groups, group_order=order,
               intermediate_supervision=True)
    genotype = MODELS.build(cfg).derive_genotype()
    net = MODELS.build(dict(cfg, genotype=genotype, groups=None,
                            group_order=None)).eval()
    nodes = [groups[o] for o in order]
    assert net.groups == nodes
    d, jc = net.depth_bins, net.joint_channels
    first, last = fusion_cells(net)
    # node g carries joint nodes[g][m] at channels m*P .. m*P + P - 1:
    # write 1000 * joint + p there
    for cell, per_joint in ((first, jc), (last, d)):
        _fill_nodes(cell, [
            torch.tensor([1000. * j + p for j in g
                          for p in range(per_joint)]).view(1, -1, 1, 1)
            for g in nodes
        ])
    head = net.intermediate_heads['3']
    with torch.no_grad():  # per joint: every depth bin copies channel 0
        head.weight.zero_()
        head.weight[:, 0] = 1.
        head.bias.zero_()
    inter, out = net(torch.randn(1, 3, 32, 32))
    k = torch.arange(18).repeat_interleave(d).float()
    dd = torch.arange(d).repeat(18).float()
    assert torch.equal(out[0, :, 0, 0], 1000 * k + dd)
    assert torch.equal(out[0, :, -1, -1], 1000 * k + dd)
    assert torch.equal(inter[0, :, 0, 0], 1000 * k)


def test_group_order_and_genotype_groups():
    supernet = MODELS.build(dict(TINY, group_order=[1, 2, 0]))
    assert supernet.groups == [UNEVEN[1], UNEVEN[2], UNEVEN[0]]
    genotype = supernet.derive_genotype()
    assert genotype.extras['part_groups'] == supernet.groups
    fixed = MODELS.build(dict(TINY, genotype=genotype, groups=None,
                              group_order=None))
    assert fixed.groups == supernet.groups
    with pytest.raises(ValueError, match='takes its node order from the'):
        MODELS.build(dict(TINY, genotype=genotype, groups=None,
                          group_order=[0, 2, 1]))
    with pytest.raises(ValueError, match='permutation'):
        MODELS.build(dict(TINY, group_order=[0, 0, 1]))


def test_derive_then_fixed_network_keeps_groups(tmp_path):
    supernet = MODELS.build(TINY)
    genotype = supernet.derive_genotype()
    assert genotype.extras['part_groups'] == UNEVEN
    assert genotype['fusion'].num_nodes == 3
    path = str(tmp_path / 'genotype.json')
    genotype.save(path)
    fixed = MODELS.build(dict(TINY, genotype=path, groups=None))
    assert fixed.groups == UNEVEN and not fixed.is_searchable
    with pytest.raises(ValueError, match='differ from the part groups'):
        MODELS.build(dict(TINY, genotype=path, groups=[list(range(9)),
                                                       list(range(9, 18))]))
    bad = Genotype(cells=dict(genotype.cells),
                   extras=dict(part_groups=[[0, 1], [1]]))
    with pytest.raises(ValueError, match='extras.part_groups'):
        MODELS.build(dict(TINY, genotype=bad, groups=None))
    cells = dict(genotype.cells)
    cells['fusion'] = CellGenotype(genotype['fusion'].nodes, [2, 3],
                                   extras={})
    with pytest.raises(ValueError, match='cells.fusion.concat'):
        MODELS.build(dict(TINY, genotype=Genotype(cells, genotype.extras),
                          groups=None))


def test_groups_must_partition_the_joints():
    with pytest.raises(ValueError):
        MODELS.build(dict(TINY, groups=[[0, 1], [1, 2]]))


SMALL = dict(type='PartAwareNASBackbone', num_keypoints=18, depth_bins=2,
             groups=[list(range(7)), [7, 8, 9, 10], list(range(11, 18))],
             stem_channels=4, channels=2, num_nodes=2, joint_channels=1)


@pytest.mark.parametrize('n_c,n_r,n_f', [(10, 3, 1), (10, 4, 2), (10, 5, 3),
                                         (10, 6, 4), (15, 5, 3), (20, 5, 3)])
def test_deep_and_fusion_variants_build(n_c, n_r, n_f):
    cfg = dict(SMALL, num_cells=n_c, num_reductions=n_r, num_fusions=n_f,
               intermediate_supervision=n_f > 1)
    supernet = MODELS.build(cfg)
    types = [c.cell_type for c in supernet.cells]
    assert types == cell_layout(n_c, n_r, n_f)
    assert [i + 1 for i, t in enumerate(types) if t == 'reduce'] == \
        reduction_positions(n_c, n_r, n_f)
    fixed = MODELS.build(dict(cfg, genotype=supernet.derive_genotype(),
                              groups=None))
    assert not fixed.is_searchable and len(fixed.cells) == n_c
    for net in (supernet, fixed):
        cells = fusion_cells(net)
        assert [c.out_channels for c in cells] == [18] * (n_f - 1) + [36]
        assert len(net.intermediate_heads) == n_f - 1
        # encoder width doubles at every reduction: 2 * 2^N_r per node
        encoder = [c for c in net.cells if c.cell_type != 'fusion']
        assert encoder[-1].out_channels == 2 * 2**n_r * 2


def test_intermediate_supervision_outputs_and_losses():
    from mmengine.structures import InstanceData
    from mmpose.structures import PoseDataSample
    net = MODELS.build(dict(TINY, intermediate_supervision=True))
    outs = net(torch.randn(2, 3, 32, 32))
    assert [o.shape[-1] for o in outs] == [16, 32]  # coarse to fine
    assert all(o.shape[1] == 72 for o in outs)
    head = MODELS.build(dict(type='VolumetricIntegralHead', in_channels=72,
                             num_keypoints=18, depth_bins=4,
                             intermediate_weights=[0.5]))
    samples = []
    for _ in range(2):
        s = PoseDataSample()
        s.gt_instance_labels = InstanceData(
            keypoint_labels=torch.rand(1, 18, 3),
            keypoint_weights=torch.ones(1, 18),
            keypoint_depth_weights=torch.ones(1, 18))
        samples.append(s)
    losses = head.loss(outs, samples)
    assert set(losses) == {'loss_kpt', 'loss_kpt_aux0', 'acc_pose'}
    sum(v for k, v in losses.items() if k.startswith('loss')).backward()
    inter = net.intermediate_heads['3']
    assert inter.groups == 18 and inter.weight.shape == (72, 2, 1, 1)
    assert inter.weight.grad.abs().sum() > 0
    with pytest.raises(ValueError, match='intermediate_weights has 1'):
        head.loss(outs[-1:], samples)
