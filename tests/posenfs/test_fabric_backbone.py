"""FabricPyramidBackbone (PoseNFS Fabric-1/2/3): layout, pyramid, α/β in the
part network, genotype round trip (fixed = supernet on one-hot α), op-list
guard."""
import pytest
import torch
from mmpose.registry import MODELS

import mmposenas  # noqa: F401
from mmposenas.models.backbones.fabric_backbone import FABRIC_ARCHS
from mmposenas.models.search import GenotypeError

TINY = dict(type='FabricPyramidBackbone', num_layers=7, kept_layers=3,
            channels=1, num_hidden=1, stem_channels=4)


def part_net(**kw):
    cfg = dict(type='PartFabricBackbone', backbone=dict(TINY),
               adapter=dict(type='PyramidAdapter', in_channels=[4, 8, 16, 32]),
               parts='coco_p3', channels=1, num_hidden=1)
    cfg.update(kw)
    return MODELS.build(cfg)


def images(n=2, size=32, seed=0):
    return torch.randn(n, 3, size, size,
                       generator=torch.Generator().manual_seed(seed))


def test_presets_are_table_viii():
    assert FABRIC_ARCHS == {'fabric1': (7, 10, 2, 3),
                            'fabric2': (8, 10, 1, 5),
                            'fabric3': (8, 12, 1, 5)}
    for arch, cells, channels in (('fabric1', 9, [40, 80, 160, 320]),
                                  ('fabric3', 17, [48, 96, 192, 384])):
        net = MODELS.build(dict(type='FabricPyramidBackbone', arch=arch))
        assert len(net.fabric.cells) == cells
        assert net.out_channels == channels
        # α shared by all cells: H(H+1)/2 edges × 6 ops; β one row per cell
        H = FABRIC_ARCHS[arch][2]
        assert net.arch_params.alphas['cell'].shape == (H * (H + 1) // 2, 6)
        assert net.arch_params.alphas['beta'].shape == (cells, 3)
    with pytest.raises(ValueError, match="arch='fabric1' sets"):
        MODELS.build(dict(type='FabricPyramidBackbone', arch='fabric1',
                          channels=8))
    with pytest.raises(ValueError, match='layer 1 of an L=7 fabric has 3'):
        MODELS.build(dict(TINY, kept_layers=2))


def test_pyramid_and_stem_fed_first_layer():
    torch.manual_seed(0)
    net = MODELS.build(dict(TINY)).eval()
    seen = {}
    net.fabric.cells['l0_s1'].edges['n0_i0'].register_forward_hook(
        lambda m, a, out: seen.__setitem__('h0', a[0]))
    net.stem.register_forward_hook(
        lambda m, a, out: seen.__setitem__('stem', out))
    with torch.no_grad():
        feats = net(images(2, 48))
    assert [tuple(f.shape) for f in feats] == [
        (2, 4, 12, 12), (2, 8, 6, 6), (2, 16, 3, 3), (2, 32, 2, 2)]
    # cell (0, 1) has the stem as its only (finer) neighbour: its softmax
    # over one valid entry is exactly 1, so h0 = ReLU(downsample(stem))
    cell = net.fabric.cells['l0_s1']
    assert list(cell.inputs) == ['finer']
    with torch.no_grad():
        expected = cell.inputs['finer'](seen['stem'], (6, 6)).relu()
    assert torch.equal(seen['h0'], expected)
    beta = net.arch_params.weights('beta')
    assert beta[1].tolist() == [1.0, 0.0, 0.0]


def test_part_network_owns_backbone_alpha_beta_and_trains_them():
    torch.manual_seed(0)
    net = part_net()
    assert net.backbone.arch_params is None  # one ArchitectureParameters
    keys = net.arch_params.keys()
    assert 'backbone_cell' in keys and 'backbone_beta' in keys
    assert net.arch_params.alphas['backbone_beta'].shape == (9, 3)
    sum(o.square().mean() for o in net(images())).backward()
    alpha = net.arch_params.alphas['backbone_cell'].grad
    beta = net.arch_params.alphas['backbone_beta'].grad
    mask = net.arch_params.mask('backbone_beta')
    assert (alpha[:, 1:] != 0).all()  # every non-zero op gets a gradient
    assert (beta[mask] != 0).any() and (beta[~mask] == 0).all()
    assert net.arch_params.mask('backbone_beta')[0].tolist() == [
        False, True, False]


def test_genotype_round_trip_equals_supernet_on_one_hot_alpha(tmp_path):
    torch.manual_seed(0)
    net = part_net()
    arch = net.arch_params.alphas
    with torch.no_grad():
        for key in arch.keys():
            arch[key].normal_()
        # one-hot α (softmax gap > 104: the other weights are exactly 0)
        arch['backbone_cell'][0] = torch.tensor([0, 0, 0, 200., 0, 0])
        for p in range(3):
            arch[f'fabric{p}_cell'][0] = torch.tensor([0, 0, 300., 0])
    net.train()
    net(images(4, seed=1))  # BatchNorm statistics off their defaults
    net.eval()
    genotype = net.derive_genotype()
    assert genotype['backbone_cell'].nodes == [[('dil_conv_3x3', 0)]]
    assert genotype.extras['backbone']['fabric']['kept_layers'] == 3
    assert genotype.extras['backbone']['op_names'][-2:] == [
        'max_pool_3x3', 'avg_pool_3x3']
    path = tmp_path / 'g.json'
    genotype.save(str(path))
    fixed = part_net(genotype=str(path)).eval()
    assert not fixed.is_searchable and fixed.arch_parameters() == []
    assert list(fixed.backbone.fabric.cells['l2_s3'].edges['n0_i0'].ops) \
        == ['dil_conv_3x3']
    state = net.state_dict()
    fixed.load_state_dict({k: state[k] for k in fixed.state_dict()})
    x = images(2, seed=2)
    with torch.no_grad():
        for a, b in zip(net(x), fixed(x)):
            assert torch.allclose(a, b, atol=1e-6)
            assert a.abs().max() > 0


def test_backbone_genotype_errors_name_the_field():
    net = part_net()
    genotype = net.derive_genotype().to_dict()
    other = dict(TINY, op_set='posenfs_subnet')
    with pytest.raises(GenotypeError, match=r"op list \[.*'max_pool_3x3', "
                       r"'avg_pool_3x3'\] \(extras.op_names\) but the "
                       r"backbone is configured with \['zero', "
                       r"'skip_connect', 'sep_conv_3x3', 'dil_conv_3x3'\]"):
        part_net(backbone=other, genotype=genotype)
    del genotype['cells']['backbone_cell']
    with pytest.raises(GenotypeError, match='no cells.backbone_cell'):
        part_net(genotype=genotype)


@pytest.mark.parametrize('L,S,first,inputs,H,cells', [
    (1, 1, 0, 1, 1, 1),   # depth 1, one scale
    (4, 1, 0, 1, 2, 4),   # one scale, several layers
    (6, 4, 5, 4, 1, 1),   # a one-layer subnetwork on a 4-level pyramid
    (6, 4, 3, 4, 2, 6),   # the default subnetwork, H=2
    (5, 3, 0, 1, 1, 11),  # stem-fed, three scales: 2+3+3+2+1 cells
])
def test_fabric_shapes_and_edge_cases(L, S, first, inputs, H, cells):
    from mmposenas.models.backbones import (CellNeuralFabric,
                                            cells_per_layer, fabric_positions)
    torch.manual_seed(0)
    channels = [3 * 2**s for s in range(S)]
    positions = fabric_positions(L, S, first)
    assert len(positions) == cells
    assert sum(cells_per_layer(L, S)[first:]) == cells
    ops = ['zero', 'skip_connect', 'sep_conv_3x3']
    edges = {(i, j): ops for i in range(H) for j in range(i + 1)}
    fabric = CellNeuralFabric(channels, positions, inputs, edges, H).eval()
    feats = [torch.randn(2, channels[s], 16 // 2**s, 12 // 2**s)
             for s in range(inputs)]
    beta = torch.full((cells, 3), 1 / 3)
    alpha = torch.full((H * (H + 1) // 2, 3), 1 / 3)
    with torch.no_grad():
        outs = fabric(feats, beta, alpha)
    last = [s for j, s in positions if j == L - 1]
    assert [tuple(o.shape) for o in outs] == [
        (2, channels[s], 16 // 2**s, 12 // 2**s) for s in last]
    assert all(torch.isfinite(o).all() for o in outs)


def test_one_cell_fabric_is_the_hand_computed_cell():
    """L=1, S=1, H=1, skip only: out = project(skip(ReLU(x)))."""
    from mmposenas.models.backbones import CellNeuralFabric
    torch.manual_seed(0)
    fabric = CellNeuralFabric([4], [(0, 0)], 1, {(0, 0): ['skip_connect']},
                              1).eval()
    x = torch.randn(2, 4, 5, 5)
    with torch.no_grad():
        out, = fabric([x], torch.tensor([[0.0, 1.0, 0.0]]),
                      [torch.tensor([1.0])])
        cell = fabric.cells['l0_s0']
        assert list(cell.inputs) == ['same']
        assert torch.allclose(out, cell.project(x.relu()), atol=1e-6)


def test_channels_last_option_computes_the_same_function():
    torch.manual_seed(0)
    ref = part_net().eval()
    fast = part_net(channels_last=True).eval()
    fast.load_state_dict(ref.state_dict())
    weight = fast.fabrics[0].cells['l3_s1'].inputs['finer'].conv.op[1].weight
    assert weight.is_contiguous(memory_format=torch.channels_last)
    assert not ref.fabrics[0].cells['l3_s1'].inputs[
        'finer'].conv.op[1].weight.is_contiguous(
            memory_format=torch.channels_last)
    x = images(2, seed=4)
    with torch.no_grad():
        for a, b in zip(ref(x), fast(x)):
            assert b.is_contiguous(memory_format=torch.channels_last)
            assert torch.allclose(a, b, atol=1e-5)
            assert a.abs().max() > 0
