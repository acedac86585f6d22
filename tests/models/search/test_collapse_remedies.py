"""Collapse remedies of the shared core: PC-DARTS, DARTS-, SDARTS-RS, skip cap."""
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.runner import Runner

import mmposenas  # noqa: F401
from conftest import REPO, SEARCH_CFG
from mmposenas.engine.hooks.arch_optimizer_hook import arch_smoothing_off
from mmposenas.engine.hooks.schedule import interpolate
from mmposenas.models.backbones import DartsCellBackbone
from mmposenas.models.search import (ArchitectureParameters, MixedOp,
                                     SearchCell, arch_parameters, derive_cell)
from mmposenas.models.search.mixed import channel_shuffle

OPS = ['zero', 'skip_connect', 'sep_conv_3x3', 'max_pool_3x3']
REMEDY_CFG = osp.join(
    REPO, 'configs/darts_pose/'
    'td-hm_darts-tiny-search-fo-pc2-rs-aux_1xb7-4e_coco-sample-64x48.py')


def test_channel_shuffle_interleaves_groups():
    x = torch.arange(6.).view(1, 6, 1, 1)
    assert channel_shuffle(x, 2).flatten().tolist() == [0, 3, 1, 4, 2, 5]
    assert channel_shuffle(x, 3).flatten().tolist() == [0, 2, 4, 1, 3, 5]


@pytest.mark.parametrize('stride', [1, 2])
def test_partial_channels_mix_a_quarter_and_bypass_the_rest(stride):
    torch.manual_seed(0)
    op = MixedOp(OPS, 8, 8, stride, partial_channels=4).eval()
    assert op.ops['sep_conv_3x3'].op[0].op[1].in_channels == 2
    x = torch.randn(2, 8, 5, 5)
    w = torch.tensor([0.1, 0.2, 0.3, 0.4])
    mixed = sum(w[i] * op.ops[n](x[:, :2]) for i, n in enumerate(OPS)
                if n != 'zero')
    rest = x[:, 2:] if stride == 1 else F.max_pool2d(x[:, 2:], 2, 2,
                                                      ceil_mode=True)
    ref = channel_shuffle(torch.cat([mixed, rest], 1), 4)
    assert torch.allclose(op(x, w), ref)
    side = 3 if stride == 2 else 5
    assert op(x, w).shape == (2, 8, side, side)


def test_partial_channels_k1_is_plain_darts():
    torch.manual_seed(3)
    a = DartsCellBackbone(channels=8, num_cells=3, num_nodes=2).eval()
    torch.manual_seed(3)
    b = DartsCellBackbone(channels=8, num_cells=3, num_nodes=2,
                          partial_channels=1).eval()
    x = torch.randn(1, 3, 16, 16)
    assert torch.equal(a(x)[0], b(x)[0])
    with pytest.raises(ValueError, match='divisible by 3'):
        MixedOp(OPS, 8, 8, 1, partial_channels=3)


def test_edge_normalisation_weights_and_cell_output():
    arch = ArchitectureParameters({'n': (5, len(OPS))},
                                  edge_groups={'n': [2, 3]})
    with torch.no_grad():
        arch.edge_alphas['n'].copy_(torch.tensor([0., 1., 0., 0., 2.]))
    e = arch.edge_weights('n')
    assert torch.allclose(e[:2], F.softmax(torch.tensor([0., 1.]), 0))
    assert torch.allclose(e[2:], F.softmax(torch.tensor([0., 0., 2.]), 0))
    assert len(arch_parameters(arch)) == 2  # α and the edge logits

    torch.manual_seed(0)
    cell = SearchCell((4, 4), 4, op_names=OPS, num_nodes=2).eval()
    assert cell.edge_groups == [2, 3]
    inputs = [torch.randn(1, 4, 6, 6), torch.randn(1, 4, 6, 6)]
    w = F.softmax(torch.randn(5, len(OPS)), -1)
    states = [pre(x) for pre, x in zip(cell.preprocess, inputs)]
    n0 = e[0] * cell.edges[0](states[0], w[0]) + \
        e[1] * cell.edges[1](states[1], w[1])
    n1 = sum(e[2 + j] * cell.edges[2 + j](s, w[2 + j])
             for j, s in enumerate(states + [n0]))
    out = cell(inputs, w, edge_weights=e)
    assert torch.allclose(out, torch.cat([n0, n1], 1), atol=1e-6)


def test_edge_normalisation_ranks_edges_in_derivation():
    backbone = DartsCellBackbone(channels=8, num_cells=3, num_nodes=2,
                                 op_set=OPS, edge_normalization=True)
    with torch.no_grad():
        for key in ('normal', 'reduce'):
            alpha = backbone.arch_params.alphas[key]
            alpha.zero_()
            alpha[2, 2] = 3.0  # node 1: sep_conv strongest on input 0 ...
            alpha[3, 3] = 1.0  # ... max_pool weaker on input 1
            alpha[4, 1] = 2.0  # and skip on input 2
            # ... but the edge weights prefer inputs 1 and 2 of node 1
            backbone.arch_params.edge_alphas[key].copy_(
                torch.tensor([0., 0., -5., 5., 5.]))
    node1 = backbone.derive_genotype()['normal'].nodes[1]
    assert sorted(j for _, j in node1) == [1, 2]
    plain = DartsCellBackbone(channels=8, num_cells=3, num_nodes=2,
                              op_set=OPS)
    with torch.no_grad():
        for key in ('normal', 'reduce'):
            plain.arch_params.alphas[key].copy_(
                backbone.arch_params.alphas[key])
    assert sorted(j for _, j in plain.derive_genotype()['normal'].nodes[1]) \
        == [0, 2]


def test_skip_cap_replaces_the_weakest_surplus_skips():
    w = torch.full((5, len(OPS)), 0.0)
    w[:, 1] = torch.tensor([0.9, 0.8, 0.7, 0.6, 0.5])  # skip wins everywhere
    w[:, 2] = torch.tensor([0.1, 0.3, 0.2, 0.1, 0.4])
    w[:, 3] = torch.tensor([0.2, 0.1, 0.1, 0.2, 0.1])
    free = derive_cell(w, OPS, num_nodes=2)
    assert sum(op == 'skip_connect' for n in free.nodes for op, _ in n) == 4
    assert 'skip_cap' not in free.extras
    capped = derive_cell(w, OPS, num_nodes=2, max_skip=2)
    # node 0 keeps edges 0,1 (skip .9 and .8); node 1 edges 2,3 (.7, .6)
    # the two weakest skips (.6 on node 1 input 1, .7 on input 0) change
    assert capped.nodes[0] == [('skip_connect', 0), ('skip_connect', 1)]
    assert capped.nodes[1] == [('sep_conv_3x3', 0), ('max_pool_3x3', 1)]
    assert capped.extras['skip_cap'] == dict(
        limit=2, found=4, replaced=[[1, 1, 'max_pool_3x3'],
                                    [1, 0, 'sep_conv_3x3']])
    assert derive_cell(w, OPS, 2, max_skip=4).nodes == free.nodes


def test_auxiliary_skip_adds_beta_x_on_stride_one_edges_only():
    torch.manual_seed(0)
    x = torch.randn(1, 4, 6, 6)
    w = torch.tensor([0.1, 0.2, 0.3, 0.4])
    for stride in (1, 2):
        op = MixedOp(OPS, 4, 4, stride).eval()
        plain = op(x, w)
        op.aux_skip = 0.5
        expected = plain + 0.5 * x if stride == 1 else plain
        assert torch.allclose(op(x, w), expected)


def test_smoothing_perturbs_within_epsilon_only_in_training_weight_steps():
    torch.manual_seed(0)
    arch = ArchitectureParameters({'n': (3, 4)})
    probs = F.softmax(arch.alphas['n'].detach(), -1)
    arch.smoothing = 0.2
    noisy = arch.weights('n').detach()
    assert not torch.allclose(noisy, probs)
    # the perturbed logits stay within ±ε of α: log-ratios bounded by 2ε
    ratio = (noisy.log() - probs.log())
    assert (ratio.max(-1).values - ratio.min(-1).values <= 0.4 + 1e-6).all()
    with arch_smoothing_off(arch):
        assert torch.allclose(arch.weights('n'), probs)
    assert arch.smoothing_active
    arch.eval()
    assert torch.allclose(arch.weights('n'), probs)


def test_schedules():
    assert interpolate(1.0, 0.0, 0.25) == 0.75
    assert interpolate(1.0, 0.0, 0.5, 'cosine') == pytest.approx(0.5)
    assert interpolate(10.0, 0.1, 1.0, 'exp') == pytest.approx(0.1)


def remedy_cfg(work_dir, max_epochs=2):
    cfg = Config.fromfile(REMEDY_CFG)
    cfg.work_dir = str(work_dir)
    cfg.train_cfg.max_epochs = max_epochs
    cfg.train_cfg.val_interval = 100
    return cfg


def test_remedy_config_trains_with_every_remedy(tmp_path):
    runner = Runner.from_cfg(remedy_cfg(tmp_path))
    runner.train()
    backbone = runner.model.backbone
    assert backbone.cells[0].edges[0].partial_channels == 2
    assert set(backbone.arch_params.edge_alphas) == {'normal', 'reduce'}
    hub = runner.message_hub
    betas = list(hub.get_scalar('train/aux_skip').data[0])
    # 2 iterations per epoch, linear to 0 at the last epoch
    assert betas == pytest.approx([1.0, 1.0, 0.0, 0.0])
    assert 'train/expected_gmacs' in hub.log_scalars
    eps = hub.get_scalar('train/arch_smoothing').current()
    assert eps == pytest.approx(0.3)
    assert all(op.aux_skip == 0.0 for op in backbone.modules()
               if isinstance(op, MixedOp))  # reset after training
    genotype = backbone.derive_genotype()
    for cell in genotype.cells.values():
        assert sum(op == 'skip_connect' for n in cell.nodes
                   for op, _ in n) <= 2


def test_alpha_step_is_taken_on_unperturbed_alpha(tmp_path):
    """SDARTS-RS: α's step ignores the noise; the weight step sees it."""
    def one_iteration(work, smoothing):
        cfg = Config.fromfile(SEARCH_CFG)
        cfg.work_dir = str(work)
        cfg.train_cfg = dict(by_epoch=False, max_iters=1, val_interval=100)
        cfg.default_hooks.checkpoint = dict(type='CheckpointHook',
                                            interval=100, by_epoch=False)
        cfg.custom_hooks[1].begin_epoch = 0
        if smoothing:
            cfg.custom_hooks.append(dict(type='ArchSmoothingHook',
                                         epsilon_start=0.5, epsilon_end=0.5))
        runner = Runner.from_cfg(cfg)
        runner.train()
        return ([a.detach().clone() for a in arch_parameters(runner.model)],
                runner.model.head.final_layer.weight.detach().clone())

    alphas, head = one_iteration(tmp_path / 'plain', False)
    alphas_s, head_s = one_iteration(tmp_path / 'smooth', True)
    assert all(torch.equal(a, b) for a, b in zip(alphas, alphas_s))
    assert not torch.equal(head, head_s)


def _tiny_estimator(op_set):
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS
    init_default_scope('mmpose')
    cfg = Config.fromfile(SEARCH_CFG)
    cfg.model.backbone.op_set = op_set
    return MODELS.build(cfg.model)


def test_expected_macs_decomposes_the_supernet_cost():
    from mmposenas.models.search.cost import EdgeCostTable, count_macs
    single = _tiny_estimator(['sep_conv_3x3']).eval()
    table = EdgeCostTable(single, (3, 64, 48))
    with torch.no_grad():
        total = count_macs(
            single.backbone, (torch.zeros(1, 3, 64, 48), )).total() + \
            count_macs(single.head, (single.backbone(
                torch.zeros(1, 3, 64, 48)), )).total()
    # one candidate: softmax is 1 everywhere, E[MACs] is the whole network
    assert float(table.expected_macs()) == pytest.approx(total, rel=1e-9)
    assert table.max_macs == pytest.approx(total, rel=1e-9)
    sep = total - table.fixed

    mixed = _tiny_estimator(['zero', 'sep_conv_3x3'])
    table = EdgeCostTable(mixed, (3, 64, 48))
    assert table.fixed == pytest.approx(total - sep)
    with torch.no_grad():
        for alpha in mixed.backbone.arch_params.alphas.values():
            alpha[:, 0] = torch.log(torch.tensor(3.0))  # p(sep) = 1/4
            alpha[:, 1] = 0.0
    assert float(table.expected_macs()) == pytest.approx(
        table.fixed + sep / 4, rel=1e-6)
    grad = torch.autograd.grad(table.expected_macs(),
                               mixed.backbone.arch_params.alphas['normal'])[0]
    assert (grad[:, 1] > 0).all() and (grad[:, 0] < 0).all()


def test_cost_aware_search_lowers_the_expected_cost(tmp_path):
    def search(work, weight):
        cfg = Config.fromfile(SEARCH_CFG)
        cfg.work_dir = str(work)
        cfg.train_cfg.max_epochs = 1
        cfg.train_cfg.val_interval = 100
        hook = cfg.custom_hooks[1]
        hook.begin_epoch = 0
        hook.optimizer.lr = 0.1
        if weight:
            hook.update(cost_weight=weight, cost_input_shape=(3, 64, 48))
        runner = Runner.from_cfg(cfg)
        runner.train()
        from mmposenas.models.search.cost import EdgeCostTable
        return float(EdgeCostTable(runner.model, (3, 64, 48))
                     .expected_macs()), runner

    plain, _ = search(tmp_path / 'plain', 0.0)
    cheap, runner = search(tmp_path / 'cost', 100.0)
    assert cheap < plain
    assert runner.message_hub.get_scalar('train/expected_gmacs').current() \
        == pytest.approx(cheap / 1e9, rel=1e-6)
