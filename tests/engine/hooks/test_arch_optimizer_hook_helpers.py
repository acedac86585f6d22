"""The module-level helpers of ArchOptimizerHook: wrappers and optimizers.

``torch.nn.DataParallel`` is one of MMEngine's registered model wrappers
and, unlike DDP, builds without a process group, so it stands in for the
distributed wrappers here (the helpers only ask ``is_model_wrapper``).
"""
import pytest
import torch
from mmengine.optim import OptimWrapper, OptimWrapperDict

from mmposenas.engine.hooks.arch_optimizer_hook import (
    check_ddp_unused_parameters, optimizer_param_ids, unwrap_model)
from mmposenas.models.search import ArchitectureParameters


def test_unwrap_model_returns_the_wrapped_module():
    model = torch.nn.Linear(2, 2)
    assert unwrap_model(model) is model
    assert unwrap_model(torch.nn.DataParallel(model)) is model


def test_optimizer_param_ids_of_a_wrapper_and_of_a_wrapper_dict():
    a, b, c = (torch.nn.Parameter(torch.zeros(1)) for _ in range(3))
    single = OptimWrapper(torch.optim.SGD([a], lr=1.0))
    assert optimizer_param_ids(single) == {id(a)}
    both = OptimWrapperDict(
        first=single,
        second=OptimWrapper(torch.optim.SGD(
            [dict(params=[b]), dict(params=[c], lr=0.1)], lr=1.0)))
    assert optimizer_param_ids(both) == {id(a), id(b), id(c)}


class Supernet(torch.nn.Module):

    def __init__(self, sampling):
        super().__init__()
        self.arch = ArchitectureParameters({'normal': (3, 2)},
                                           sampling=sampling)


def test_gumbel_hard_under_a_wrapper_needs_unused_parameters():
    hard = torch.nn.DataParallel(Supernet('gumbel_hard'))
    hard.find_unused_parameters = False
    with pytest.raises(RuntimeError,
                       match='find_unused_parameters = True'):
        check_ddp_unused_parameters(hard)
    # each condition alone lets it pass: the flag set, a soft sampling,
    # no wrapper, a wrapper without the attribute (not DDP)
    hard.find_unused_parameters = True
    check_ddp_unused_parameters(hard)
    soft = torch.nn.DataParallel(Supernet('gumbel'))
    soft.find_unused_parameters = False
    check_ddp_unused_parameters(soft)
    check_ddp_unused_parameters(Supernet('gumbel_hard'))
    check_ddp_unused_parameters(torch.nn.DataParallel(Supernet('gumbel_hard')))


def test_resumable_loader_cfg_wraps_the_sampler_once():
    from mmposenas.engine.hooks.arch_optimizer_hook import \
        resumable_loader_cfg
    inner = dict(type='DefaultSampler', shuffle=True)
    cfg = dict(batch_size=2, sampler=inner)
    wrapped = resumable_loader_cfg(cfg)
    assert wrapped == dict(batch_size=2, sampler=dict(
        type='ResumableSampler', sampler=inner))
    assert cfg == dict(batch_size=2, sampler=inner)  # the caller's is kept
    # already resumable: left as it is, not wrapped twice
    assert resumable_loader_cfg(wrapped) == wrapped
    with pytest.raises(ValueError) as err:
        resumable_loader_cfg(dict(batch_size=2, sampler=None))
    assert str(err.value) == (
        'ArchOptimizerHook: arch_dataloader.sampler must be a sampler config '
        'dict (e.g. dict(type="DefaultSampler", shuffle=True)); got None')
