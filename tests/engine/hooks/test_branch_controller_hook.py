"""BranchControllerHook: state round trip, argument checks; α left alone
when no cell runs (first-order α gradients of a multi-branch supernet)."""
import io
from types import SimpleNamespace

import pytest
import torch
from mmpose.registry import MODELS

import mmposenas  # noqa: F401
from mmposenas.engine.arch_gradients import first_order_arch_grads
from mmposenas.engine.hooks import BranchControllerHook
from mmposenas.models.search import reinforce_update

BACKBONE = SimpleNamespace(num_branch_decisions=6, num_branches=4)


def hook(**kw):
    h = BranchControllerHook(reward_dataloader={}, reward_evaluator={},
                             controller=dict(hidden_size=8), **kw)
    return h


def train_some(h, rewards):
    for r in rewards:
        masks = [h.controller.sample() for _ in range(2)]
        reinforce_update(h.controller, h.optimizer, masks, r, h.baseline,
                         h.entropy_weight)
        h.history['updates'].append(dict(reward=sum(r) / 2))


def test_controller_state_round_trips_through_a_checkpoint():
    a = hook()
    a.build_controller(BACKBONE, seed=3)
    train_some(a, [[0.1, 0.4], [0.3, 0.2]])
    buf = io.BytesIO()
    torch.save(dict(branch_controller=a.state_dict()), buf)
    buf.seek(0)
    state = torch.load(buf, weights_only=True)['branch_controller']

    b = hook()
    b.build_controller(BACKBONE, seed=11)  # another init and generator
    assert not torch.equal(a.controller.lstm.weight_hh,
                           b.controller.lstm.weight_hh)
    b.load_state_dict(state)
    assert b.baseline.value == a.baseline.value is not None
    assert b.history == a.history
    # same samples, and the same next update from the same state
    train_some(a, [[0.5, 0.0]])
    train_some(b, [[0.5, 0.0]])
    for p, q in zip(a.controller.parameters(), b.controller.parameters()):
        assert torch.equal(p, q)
    assert [a.controller.sample().tolist() for _ in range(5)] == [
        b.controller.sample().tolist() for _ in range(5)]
    assert a.optimizer.state_dict()['state'][0]['step'] == \
        b.optimizer.state_dict()['state'][0]['step'] == 3


def test_building_the_controller_leaves_the_global_rng_alone():
    torch.manual_seed(5)
    expected = torch.rand(4)
    torch.manual_seed(5)
    h = hook()
    h.build_controller(BACKBONE, seed=0)
    assert torch.equal(torch.rand(4), expected)
    assert h.controller.shape == (6, 4)
    assert h.optimizer.defaults['lr'] == 3.5e-3


@pytest.mark.parametrize('kw', [dict(num_updates=-1),
                                dict(samples_per_update=0),
                                dict(num_derive_samples=0),
                                dict(begin_epoch=1.5)])
def test_bad_arguments_are_named(kw):
    with pytest.raises(ValueError, match=next(iter(kw))):
        hook(**kw)


def test_first_order_alpha_gradients_skip_alpha_no_cell_used():
    torch.manual_seed(0)
    net = MODELS.build(dict(type='AutoPoseBackbone', stem_channels=4,
                            channels=(2, 2, 2, 2), num_stages=1,
                            modules_per_stage=1, bottleneck_expansion=2))
    x = torch.randn(2, 3, 64, 64)

    def loss_fn(overrides, data):
        return torch.func.functional_call(net, overrides, (data, ))[0].mean()

    net.set_active_branches('none')
    assert first_order_arch_grads(net, loss_fn, x,
                                  unused_as_none=True) == [None, None]
    zeros = first_order_arch_grads(net, loss_fn, x)
    assert all(torch.equal(z, torch.zeros_like(z)) for z in zeros)
    net.set_active_branches([[0, 1, 0, 0]])
    grads = first_order_arch_grads(net, loss_fn, x, unused_as_none=True)
    assert all(g is not None and g.abs().sum() > 0 for g in grads)


def test_reward_subset_is_scored_on_its_own_ground_truth():
    from mmengine.evaluator import Evaluator
    from mmpose.datasets import CocoDataset
    from mmposenas.engine.hooks.branch_controller_hook import \
        scores_subset_alone
    dataset = CocoDataset(data_root='data/samples/coco/',
                          ann_file='test_coco.json', data_prefix=dict(img=''),
                          test_mode=True, indices=3, lazy_init=False)
    from mmpose.evaluation import CocoMetric
    evaluator = Evaluator(CocoMetric(ann_file=None))
    evaluator.dataset_meta = dataset.metainfo
    metric = evaluator.metrics[0]
    # MMPose loads the registered annotation file: all 4 images, 14 people
    assert metric.coco is not None and len(metric.coco.anns) == 14
    scores_subset_alone(evaluator)
    assert metric.coco is None
    with_file = Evaluator(
        CocoMetric(ann_file='data/samples/coco/test_coco.json'))
    with_file.dataset_meta = dataset.metainfo
    scores_subset_alone(with_file)
    assert with_file.metrics[0].coco is not None


def test_backbone_lookup_and_its_checks():
    """model.backbone, else the model itself; a searchable supernet only."""
    import torch.nn as nn

    def build(**kw):
        return MODELS.build(dict(type='AutoPoseBackbone', stem_channels=4,
                                 channels=(2, 2, 2, 2), num_stages=1,
                                 modules_per_stage=1, bottleneck_expansion=2,
                                 **kw))

    net = build()
    assert net.is_searchable
    wrapper = nn.Module()
    wrapper.backbone = net
    find = BranchControllerHook._backbone
    assert find(SimpleNamespace(model=wrapper)) is net
    assert find(SimpleNamespace(model=net)) is net  # a bare backbone
    # a backbone without the branch interface names what it lacks
    with pytest.raises(RuntimeError,
                       match=r"\(Linear\).*missing \['set_active_branches', "
                       r"'set_derived_branches', 'num_branch_decisions', "
                       r"'num_branches'\]"):
        find(SimpleNamespace(model=nn.Linear(2, 2)))
    # the interface without architecture parameters is refused too
    fixed = build(genotype=net.derive_genotype())
    assert not fixed.is_searchable
    with pytest.raises(RuntimeError, match='missing architecture parameters'):
        find(SimpleNamespace(model=fixed))
    # ... and so is one that does not say whether it is searchable
    bare = SimpleNamespace(set_active_branches=None, set_derived_branches=None,
                           num_branch_decisions=1, num_branches=2)
    with pytest.raises(RuntimeError, match='missing architecture parameters'):
        find(SimpleNamespace(model=bare))


def test_defaults_bounds_and_copied_configs():
    loader = dict(dataset=dict(indices=7))
    controller = dict(type='BranchController', hidden_size=8)
    h = BranchControllerHook(reward_dataloader=loader,
                             reward_evaluator=[dict(type='EPE')],
                             controller=controller)
    assert (h.reward_key, h.begin_epoch, h.num_updates, h.samples_per_update,
            h.baseline.decay, h.entropy_weight, h.grad_clip,
            h.num_derive_samples, h.derive_interval, h.entropy_samples,
            h.seed, h.plot, h.quiet_eval) == ('coco/AP', 5, 10, 2, 0.95,
                                              1e-4, None, 10, 0, 16, None,
                                              True, True)
    assert h.optimizer_cfg == dict(type='Adam', lr=3.5e-3)
    # 'type' in the controller config is accepted; hidden_size is used
    h.build_controller(BACKBONE, seed=0)
    assert h.controller.hidden_size == 8
    assert controller == dict(type='BranchController', hidden_size=8)
    # the hook keeps its own copies of the configs
    loader['dataset']['indices'] = 1
    h.reward_evaluator_cfg[0]['type'] = 'X'
    controller['hidden_size'] = 2
    assert h.reward_dataloader_cfg == dict(dataset=dict(indices=7))
    assert h.controller_cfg == dict(hidden_size=8)
    # nested values too: the caller's evaluator and optimizer configs
    evaluator = [dict(type='EPE', norm_mode='none')]
    optimizer = dict(type='Adam', lr=1e-3, betas=[0.9, 0.999])
    h = BranchControllerHook(reward_dataloader=loader,
                             reward_evaluator=evaluator, optimizer=optimizer)
    evaluator[0]['type'] = 'PCKAccuracy'
    optimizer['betas'][0] = 0.5
    assert h.reward_evaluator_cfg == [dict(type='EPE', norm_mode='none')]
    assert h.optimizer_cfg == dict(type='Adam', lr=1e-3, betas=[0.9, 0.999])
    # every lower bound is allowed, one below is refused by name
    lows = dict(num_updates=0, samples_per_update=1, num_derive_samples=1,
                derive_interval=0, entropy_samples=1, begin_epoch=0)
    hook(**lows)
    for name, low in lows.items():
        with pytest.raises(ValueError) as err:
            hook(**{name: low - 1})
        assert str(err.value) == (f'BranchControllerHook: {name} must be an '
                                  f'int >= {low}, got {low - 1}')


def test_state_dict_history_is_a_copy_both_ways():
    a = hook()
    a.build_controller(BACKBONE, seed=3)
    a.history['updates'].append(dict(reward=0.5))
    state = a.state_dict()
    a.history['updates'].append(dict(reward=0.7))
    assert state['history']['updates'] == [dict(reward=0.5)]
    b = hook()
    b.build_controller(BACKBONE, seed=3)
    b.load_state_dict(state)
    b.history['updates'].append(dict(reward=0.9))
    assert state['history']['updates'] == [dict(reward=0.5)]
