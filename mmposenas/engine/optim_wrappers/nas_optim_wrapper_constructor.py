"""Optimizer constructor that includes or excludes architecture parameters."""
from typing import Optional

import torch.nn as nn
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapper
from mmpose.registry import OPTIM_WRAPPER_CONSTRUCTORS

from mmposenas.models.search import arch_parameters


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class NASOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """MMEngine's default constructor, with a say over α.

    Config (inside ``optim_wrapper``)::

        optim_wrapper = dict(
            constructor='NASOptimWrapperConstructor',
            arch_params='exclude',  # or 'include' (synchronous search)
            optimizer=dict(type='Adam', lr=1e-3),
            paramwise_cfg=dict(custom_keys={
                'arch_params': dict(lr_mult=0.3, decay_mult=0.0)}))

    ``'exclude'`` (bilevel search) leaves α out of the weight optimizer so
    that only ``ArchOptimizerHook`` updates it; ``'include'`` keeps α in it
    (its lr/decay set with ``paramwise_cfg.custom_keys['arch_params']``).

    Args:
        optim_wrapper_cfg (dict): The optim wrapper config; ``arch_params`` is
            read from it.
        paramwise_cfg (dict, optional): As in MMEngine.
    """

    def __init__(self, optim_wrapper_cfg: dict,
                 paramwise_cfg: Optional[dict] = None) -> None:
        optim_wrapper_cfg = dict(optim_wrapper_cfg)
        self.arch_params = optim_wrapper_cfg.pop('arch_params', 'exclude')
        if self.arch_params not in ('exclude', 'include'):
            raise ValueError(f'optim_wrapper.arch_params must be "exclude" or '
                             f'"include", got {self.arch_params!r}')
        super().__init__(optim_wrapper_cfg, paramwise_cfg)

    def __call__(self, model: nn.Module) -> OptimWrapper:
        optim_wrapper = super().__call__(model)
        if self.arch_params == 'exclude':
            arch_ids = {id(p) for p in arch_parameters(model)}
            optimizer = optim_wrapper.optimizer
            groups = []
            for group in optimizer.param_groups:
                group['params'] = [
                    p for p in group['params'] if id(p) not in arch_ids
                ]
                if group['params']:
                    groups.append(group)
            optimizer.param_groups[:] = groups
        return optim_wrapper
