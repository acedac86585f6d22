"""PoseNFS cell-based neural fabrics: layout, β mixing, α/β gradients,
genotype round trip, op-list guard and bit-identical pruning."""
import copy
import math

import pytest
import torch
from mmpose.registry import MODELS

import mmposenas  # noqa: F401
from mmposenas.models.backbones import (cells_per_layer, fabric_positions,
                                        neighbour_mask, prune_pose_model)
from mmposenas.models.search import Genotype, GenotypeError

BACKBONE = dict(type='MobileNetV2', widen_factor=0.25,
                out_indices=(1, 2, 4, 5))


def backbone_cfg(**kw):
    cfg = dict(type='PartFabricBackbone', backbone=BACKBONE,
               adapter=dict(type='PyramidAdapter', in_channels=[8, 8, 24, 40]),
               parts='coco_p3', channels=1, num_hidden=2)
    cfg.update(kw)
    return cfg


def model_cfg(**kw):
    return dict(
        type='TopdownPoseEstimator', backbone=backbone_cfg(**kw),
        head=dict(type='VectorInPixelHead', in_channels=4, out_channels=17,
                  parts='coco_p3', vector_dim=2))


def images(n=2, size=32, seed=0):
    return torch.randn(n, 3, size, size,
                       generator=torch.Generator().manual_seed(seed))


def test_layout_matches_the_paper():
    assert cells_per_layer(6, 4) == [2, 3, 4, 3, 2, 1]
    assert len(fabric_positions(6, 4, 3)) == 6  # subnetwork: 6 cells
    # Table VIII: Fabric-1 keeps 3 of L=7 layers (9 cells), Fabric-2/3 keep
    # 5 of L=8 (17 cells)
    assert len(fabric_positions(7, 4, 0, 3)) == 9
    assert len(fabric_positions(8, 4, 0, 5)) == 17
    pos = fabric_positions(6, 4, 3)
    assert pos == [(3, 0), (3, 1), (3, 2), (4, 0), (4, 1), (5, 0)]
    # fed by a 4-level pyramid, only scale-0 cells miss a finer neighbour
    assert neighbour_mask(pos, 4) == [[False, True, True], [True] * 3,
                                      [True] * 3, [False, True, True],
                                      [True] * 3, [False, True, True]]
    # fed by a stem (one scale): the second cell of layer 0 sees only it
    assert neighbour_mask(fabric_positions(7, 4, 0, 2), 1)[:2] == [
        [False, True, False], [True, False, False]]


def test_input_mixture_is_the_softmax_beta_weighted_sum():
    torch.manual_seed(0)
    net = MODELS.build(backbone_cfg()).eval()
    beta = net.arch_params.alphas['fabric0_beta']
    with torch.no_grad():
        beta[1] = torch.tensor([0.3, -1.2, 2.0])  # cell (3, 1): 3 neighbours
        beta[3] = torch.tensor([9.0, 0.5, -0.5])  # cell (4, 0): no finer
    fabric = net.fabrics[0]
    seen = {}
    for name, cell in fabric.cells.items():
        cell.register_forward_hook(
            lambda m, a, out, n=name: seen.__setitem__(n, out))
        cell.edges['n0_i0'].register_forward_hook(
            lambda m, a, out, n=name: seen.__setitem__(n + '_h0', a[0]))
    pyramid = []
    net.adapters[0].register_forward_hook(
        lambda m, a, out: pyramid.extend(out))
    with torch.no_grad():
        net(images())
    cell = fabric.cells['l3_s1']
    e = [math.exp(v) for v in (0.3, -1.2, 2.0)]
    w = [v / sum(e) for v in e]
    with torch.no_grad():
        size = tuple(pyramid[1].shape[-2:])
        mix = (w[0] * cell.inputs['finer'](pyramid[0], size) +
               w[1] * pyramid[1] +
               w[2] * cell.inputs['coarser'](pyramid[2], size))
    assert torch.allclose(seen['l3_s1_h0'], mix.relu(), atol=1e-6)
    cell = fabric.cells['l4_s0']
    assert 'finer' not in cell.inputs  # left out, not copied
    e = [math.exp(0.5), math.exp(-0.5)]
    with torch.no_grad():
        size = tuple(seen['l3_s0'].shape[-2:])
        mix = (e[0] / sum(e) * seen['l3_s0'] +
               e[1] / sum(e) * cell.inputs['coarser'](seen['l3_s1'], size))
    assert torch.allclose(seen['l4_s0_h0'], mix.relu(), atol=1e-6)


def test_synchronous_gradients_reach_alpha_and_valid_beta_only():
    torch.manual_seed(0)
    net = MODELS.build(backbone_cfg())
    assert net.arch_params.alphas['fabric0_cell'].shape == (3, 4)  # H=2
    sum(o.square().mean() for o in net(images())).backward()
    for p in range(3):
        alpha = net.arch_params.alphas[f'fabric{p}_cell'].grad
        beta = net.arch_params.alphas[f'fabric{p}_beta'].grad
        mask = net.arch_params.mask(f'fabric{p}_beta')
        assert alpha is not None and (alpha != 0).all()
        assert (beta[mask] != 0).all() and (beta[~mask] == 0).all()
    # α is shared by all cells of a fabric, β is one row per cell
    assert net.arch_params.alphas['fabric0_beta'].shape == (6, 3)


@pytest.mark.parametrize('scale_by_count', [False, True])
def test_pruning_leaves_outputs_bit_identical(scale_by_count):
    torch.manual_seed(0)
    cfg = model_cfg(scale_by_count=scale_by_count)
    model = MODELS.build(cfg)
    arch = model.backbone.arch_params.alphas
    with torch.no_grad():
        for p in range(3):
            arch[f'fabric{p}_cell'].normal_()
            arch[f'fabric{p}_beta'].normal_()
        arch['fabric0_cell'][:, 2] = -1e4  # sep_conv_3x3: weight exactly 0
        arch['fabric1_beta'][5, 2] = -1e4  # (5,0) ignores (4,1): 2 cells die
    weights = model.backbone.arch_params.weights('fabric0_cell')
    assert (weights[:, 2] == 0).all()
    # train a step so BatchNorm statistics are not the defaults
    model.train()
    model.backbone(images(4, seed=1))
    model.eval()
    kept = copy.deepcopy(cfg)
    pruned, genotype, report = prune_pose_model(cfg, model)
    assert cfg == kept  # the caller's config is left alone
    assert report['cells_before'] == 18 and report['cells_after'] == 16
    # fabric 0: sep_conv on the 3 edges of its 6 cells; fabric 1: the 9
    # non-zero ops of each of the 2 dead cells
    assert report['ops_after'] == report['ops_before'] - 6 * 3 - 2 * 9
    assert report['params_after'] < report['params_before']
    assert 'sep_conv_3x3' not in str(genotype['fabric0_cell'].nodes)
    x = images(2, seed=2)
    with torch.no_grad():
        assert torch.equal(model._forward(x), pruned.eval()._forward(x))


def test_pruning_refuses_other_models_and_names_missing_weights():
    torch.manual_seed(0)
    cfg = model_cfg()
    model = MODELS.build(cfg)
    fixed_cfg = copy.deepcopy(cfg)
    fixed_cfg['backbone']['genotype'] = \
        model.backbone.derive_genotype(mode='continuous').to_dict()
    for other in (MODELS.build(fixed_cfg), torch.nn.Linear(2, 2)):
        with pytest.raises(ValueError, match='one searchable '
                           'PartFabricBackbone'):
            prune_pose_model(cfg, other)
    two = torch.nn.ModuleDict(dict(a=model, b=MODELS.build(cfg)))
    with pytest.raises(ValueError, match='one searchable PartFabricBackbone'):
        prune_pose_model(cfg, two)
    # a supernet without one of the pruned network's weights
    model.head = torch.nn.Identity()  # its weights are gone
    with pytest.raises(KeyError, match='weights the supernet lacks'):
        prune_pose_model(cfg, model)


def test_genotype_round_trip_builds_the_fixed_network(tmp_path):
    torch.manual_seed(0)
    net = MODELS.build(backbone_cfg())
    with torch.no_grad():
        net.arch_params.alphas['fabric2_cell'][:, 3] = 5.0  # dil_conv_3x3
    genotype = net.derive_genotype()
    path = tmp_path / 'g.json'
    genotype.save(str(path))
    loaded = Genotype.load(str(path))
    assert loaded.extras['op_names'] == [
        'zero', 'skip_connect', 'sep_conv_3x3', 'dil_conv_3x3']
    assert loaded.extras['fabric']['num_hidden'] == 2
    cell = loaded['fabric2_cell']
    assert cell.num_inputs == 1 and cell.concat == [1, 2]
    assert cell.nodes == [[('dil_conv_3x3', 0)],
                          [('dil_conv_3x3', 0), ('dil_conv_3x3', 1)]]
    beta = cell.extras['beta']
    assert [(r['layer'], r['scale']) for r in beta][:2] == [(3, 0), (3, 1)]
    assert beta[0]['weights'][0] is None
    assert sum(beta[1]['weights']) == pytest.approx(1.0)
    fixed = MODELS.build(backbone_cfg(genotype=str(path)))
    assert not fixed.is_searchable and fixed.arch_parameters() == []
    outs = fixed(images())
    assert len(outs) == 3 and outs[0].shape == (2, 4, 8, 8)
    edges = fixed.fabrics[2].cells['l5_s0'].edges
    assert list(edges['n1_i1'].ops) == ['dil_conv_3x3']


def test_other_op_list_is_refused_naming_both_lists():
    net = MODELS.build(backbone_cfg())
    genotype = net.derive_genotype().to_dict()
    with pytest.raises(GenotypeError) as err:
        MODELS.build(backbone_cfg(genotype=genotype,
                                  op_set='posenfs_subnet_dense'))
    msg = str(err.value)
    assert "'dil_conv_3x3'" in msg and "'atrous_conv_3x3'" in msg
    other = MODELS.build(backbone_cfg(op_set='posenfs_subnet_dense'))
    with pytest.raises(ValueError, match=r"op list \['zero', 'skip_connect', "
                       r"'sep_conv_3x3', 'dil_conv_3x3'\] but the model is "
                       r"configured with \['zero', 'skip_connect', "
                       r"'sep_conv_3x3', 'atrous_conv_3x3'\]"):
        other.load_state_dict(net.state_dict())


def test_stated_model_size():
    """MobileNetV2 + 3 CNFs (C=10, H=1, 6 cells), MPII: about 2.90 M params."""
    cfg = dict(type='PartFabricBackbone',
               backbone=dict(type='MobileNetV2', out_indices=(1, 2, 4, 5)),
               adapter=dict(type='PyramidAdapter',
                            in_channels=[24, 32, 96, 160]),
               parts='mpii_p3', channels=10, num_hidden=1)
    net = MODELS.build(cfg)
    head = MODELS.build(dict(type='VectorInPixelHead', in_channels=40,
                             out_channels=16, parts='mpii_p3', vector_dim=8))
    params = sum(p.numel() for m in (net, head) for p in m.parameters())
    assert abs(params / 2.90e6 - 1) < 0.05
