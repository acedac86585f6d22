"""AutoPoseBackbone: branch masks, aggregation, gradients, derivation."""
import copy
import itertools

import pytest
import torch
import torch.nn.functional as F
from mmpose.registry import MODELS

import mmposenas  # noqa: F401
from mmposenas.models.backbones.autopose import AutoPoseModule
from mmposenas.models.search import Genotype, GenotypeError, resolve_op_names

CFG = dict(type='AutoPoseBackbone', stem_channels=4, channels=(2, 2, 4, 4),
           num_stages=2, modules_per_stage=1, bottleneck_expansion=2)
SIZES = [(16, 12), (8, 6), (4, 3), (2, 2)]  # 64x48 input: ceil at each /2


def supernet(**kw):
    torch.manual_seed(0)
    return MODELS.build(dict(CFG, **kw))


def test_autopose_op_set_is_the_papers():
    assert resolve_op_names('autopose') == [
        'conv_1x1', 'conv_3x3', 'conv_5x5', 'avg_pool_3x3', 'max_pool_3x3',
        'skip_connect']


@pytest.mark.parametrize('mask', list(itertools.product((0, 1), repeat=4)))
def test_module_aggregates_every_subset_at_every_scale(mask):
    torch.manual_seed(0)
    ops = ['conv_3x3', 'skip_connect']
    module = AutoPoseModule((2, 3, 4, 5), op_names=ops, affine=False)
    feats = [torch.randn(2, c, *s) for c, s in zip((2, 3, 4, 5), SIZES)]
    w_ind = torch.softmax(torch.randn(10, 2), -1)
    w_agg = torch.softmax(torch.randn(9, 2), -1)
    outs = module(feats, [bool(m) for m in mask],
                  {'individual': (w_ind, None), 'aggregation': (w_agg, None)})
    for b, (out, feat) in enumerate(zip(outs, feats)):
        assert out.shape == feat.shape
        # inactive branches are skip connections; active ones change values
        assert (out is feat) == (not mask[b])
    # an active branch's output depends on exactly the active branches
    for b in [b for b in range(4) if mask[b]]:
        for s in range(4):
            moved = [f.clone() for f in feats]
            moved[s] = moved[s] + 1.0
            out = module(moved, [bool(m) for m in mask],
                         {'individual': (w_ind, None),
                          'aggregation': (w_agg, None)})[b]
            assert (not torch.allclose(out, outs[b])) == bool(mask[s])


def cell_params(net, module, branch):
    return list(net.layers[module].branches[str(branch)].parameters())


def test_inactive_branches_get_no_gradient_and_do_not_run():
    net = supernet(sampling='gumbel_hard')
    mask = [[1, 0, 1, 0], [0, 0, 0, 1]]
    net.set_active_branches(mask)
    ran = []
    for m, layer in enumerate(net.layers):
        for b, branch in layer.branches.items():
            branch.register_forward_hook(lambda *a, k=(m, int(b)):
                                         ran.append(k))
            for mod in branch.modules():
                mod.register_forward_hook(
                    lambda *a, k=(m, int(b)): ran.append(k))
    out = net(torch.randn(2, 3, 64, 48))[0]
    assert out.shape == (2, 12, 16, 12)
    out.square().mean().backward()
    assert set(ran) == {(0, 0), (0, 2), (1, 3)}
    for m, row in enumerate(mask):
        for b, on in enumerate(row):
            grads = [p.grad for p in cell_params(net, m, b)]
            if on:
                assert any(g is not None and g.abs().sum() > 0 for g in grads)
            else:
                assert all(g is None for g in grads)
    assert all(a.grad is not None and a.grad.abs().sum() > 0
               for a in net.arch_parameters())


def test_all_off_is_stem_plus_fusion_and_leaves_alpha_alone():
    net = supernet().eval()
    net.set_active_branches('none')
    x = torch.randn(1, 3, 64, 48)
    feats = net.stem(x)
    expected = torch.cat([feats[0]] + [
        F.interpolate(f, size=(16, 12), mode='nearest') for f in feats[1:]
    ], 1)
    assert torch.equal(net(x)[0], expected)
    net.train()
    net(x)[0].mean().backward()
    assert all(a.grad is None for a in net.arch_parameters())
    assert all(p.grad is None for layer in net.layers
               for p in layer.parameters())


def test_gumbel_hard_samples_are_one_hot_and_run_one_op_per_edge():
    net = supernet(sampling='gumbel_hard', tau=2.0)
    samples = net.sample_arch_weights()
    for key, (w, active) in samples.items():
        assert ((w == 0) | (w == 1)).all() and torch.equal(
            w.sum(-1), torch.ones(w.shape[0]))
        assert [sum(r) for r in active] == [1] * w.shape[0]
    calls = []
    cell = net.layers[0].branches['0'].individual[0].cell
    for k, edge in enumerate(cell.edges):
        for name, op in edge.ops.items():
            # every layer of the candidate: the shared ReLU means the op's
            # own forward may not be the entry point
            for sub in op.modules():
                sub.register_forward_hook(
                    lambda *a, key=(k, name): calls.append(key))
    net.set_active_branches([[1, 0, 0, 0], [0, 0, 0, 0]])
    net(torch.randn(2, 3, 64, 48))
    ran = sorted(set(calls))
    assert [k for k, _ in ran] == list(range(len(cell.edges)))
    assert len(cell.edges) == 10


def test_stage_decisions_share_a_vector_across_the_stage():
    net = supernet(num_stages=2, modules_per_stage=2,
                   branch_decisions='stage')
    assert net.num_branch_decisions == 2
    assert net.module_masks([[1, 0, 0, 1], [0, 1, 1, 0]]) == [
        [1, 0, 0, 1], [1, 0, 0, 1], [0, 1, 1, 0], [0, 1, 1, 0]]
    with pytest.raises(ValueError, match=r'set_active_branches\(mask\)\[1\]'
                       r'\[2\]: expected 0 or 1'):
        net.set_active_branches([[1, 0, 0, 1], [0, 1, 2, 0]])
    with pytest.raises(ValueError, match='expected 2 branch vectors'):
        net.set_active_branches([[1, 0, 0, 1]])


def test_derivation_keeps_every_predecessor_and_records_branches(tmp_path):
    net = supernet()
    with torch.no_grad():
        net.arch_params.alphas['individual'].zero_()
        net.arch_params.alphas['individual'][:, 1] = 1.0  # conv_3x3
        net.arch_params.alphas['aggregation'].zero_()
        net.arch_params.alphas['aggregation'][:, 5] = 1.0  # skip_connect
    net.set_derived_branches([[1, 0, 1, 0], [0, 0, 0, 1]],
                             dict(branch_source='test', branch_score=0.5))
    g = net.derive_genotype()
    assert g['individual'].num_inputs == 1
    assert [len(n) for n in g['individual'].nodes] == [1, 2, 3, 4]
    assert {op for n in g['individual'].nodes for op, _ in n} == {'conv_3x3'}
    assert g['aggregation'].num_inputs == 4
    assert [len(n) for n in g['aggregation'].nodes] == [4, 5]
    assert g.extras['branches'] == [[1, 0, 1, 0], [0, 0, 0, 1]]
    assert g.extras['branch_score'] == 0.5
    path = str(tmp_path / 'genotype.json')
    g.save(path)

    fixed = MODELS.build(dict(CFG, channels=(4, 4, 8, 8), genotype=path))
    assert not fixed.is_searchable
    assert sorted(fixed.layers[0].branches) == ['0', '2']
    assert sorted(fixed.layers[1].branches) == ['3']
    # aggregation cells read the active branches only
    agg = fixed.layers[0].branches['0'].aggregation.cell
    assert agg.num_inputs == 2 and len(agg.edges) == 2 + 3
    assert [p.factor for p in agg.preprocess] == [1, 4]  # 16x map up x4
    assert fixed.layers[1].branches['3'].aggregation.cell.num_inputs == 1
    out = fixed(torch.randn(2, 3, 64, 48))[0]
    assert out.shape == (2, 24, 16, 12)
    out.mean().backward()  # every weight of the fixed net is used
    assert all(p.grad is not None for p in fixed.parameters())

    bigger = MODELS.build(dict(CFG, genotype=path, branches='all'))
    smaller = MODELS.build(dict(CFG, genotype=path, branches='none'))
    n = [sum(p.numel() for p in m.parameters())
         for m in (smaller, MODELS.build(dict(CFG, genotype=path)), bigger)]
    assert n[0] < n[1] < n[2]
    assert len(smaller.layers[0].branches) == 0


def test_fixed_network_rejects_inconsistent_genotypes(tmp_path):
    g = supernet().derive_genotype()
    bad = copy.deepcopy(g.to_dict())
    bad['extras']['branches'] = [[1, 0, 1, 0], [0, 1, 'x', 0]]
    with pytest.raises(GenotypeError, match=r'extras.branches\[1\]\[2\]'):
        MODELS.build(dict(CFG, genotype=bad))
    bad['extras'].pop('branches')
    with pytest.raises(GenotypeError, match='extras.branches: found no such'):
        MODELS.build(dict(CFG, genotype=bad))
    other = copy.deepcopy(g.to_dict())
    other['extras']['num_branches'] = 3
    with pytest.raises(GenotypeError,
                       match='extras.num_branches: found 3, expected 4'):
        MODELS.build(dict(CFG, genotype=other))
    with pytest.raises(GenotypeError, match='missing cell type'):
        MODELS.build(dict(CFG, genotype=Genotype(
            cells={'individual': g['individual']}, extras=g.extras)))
    with pytest.raises(RuntimeError, match='fixed network'):
        MODELS.build(dict(CFG, genotype=g)).set_active_branches('all')


def test_identity_inputs_feed_skipped_branches_to_aggregation():
    torch.manual_seed(0)
    module = AutoPoseModule((2, 2), op_names=['conv_1x1'],
                            inactive_inputs='identity', affine=False)
    feats = [torch.randn(2, 2, 8, 6), torch.randn(2, 2, 4, 3)]
    w = {'individual': (torch.ones(10, 1), None),
         'aggregation': (torch.ones(5, 1), None)}
    out = module(feats, [True, False], w)[0]
    moved = [feats[0], feats[1] + 1]
    assert not torch.allclose(module(moved, [True, False], w)[0], out)


def test_one_alpha_per_cell_type_shared_by_every_module():
    net = supernet(num_stages=2, modules_per_stage=2)
    alphas = dict(net.arch_params.alphas.items())
    # individual: 1 input, 4 nodes -> 1+2+3+4 edges; aggregation: 4 inputs,
    # 2 nodes -> 4+5 edges; 6 ops each
    assert {k: tuple(a.shape) for k, a in alphas.items()} == {
        'individual': (10, 6), 'aggregation': (9, 6)}
    assert sorted(id(a) for a in net.arch_parameters()) == sorted(
        id(a) for a in alphas.values())
    # every cell of a type runs the op its α picks: make conv_1x1 the
    # argmax of the individual cells; in eval mode every individual cell of
    # every module runs only conv_1x1
    with torch.no_grad():
        alphas['individual'].zero_()
        alphas['individual'][:, 0] = 5.0
    net.eval()
    ran = set()
    for layer in net.layers:
        for branch in layer.branches.values():
            for cell in branch.individual:
                for edge in cell.cell.edges:
                    for name, op in edge.ops.items():
                        for sub in op.modules():  # shared ReLU: see above
                            sub.register_forward_hook(
                                lambda *a, n=name: ran.add(n))
    with torch.no_grad():
        net(torch.randn(1, 3, 64, 48))
    assert ran == {'conv_1x1'}
