"""Test-only hooks: crash or kill a run, inject NaNs, record samples per rank.

Importable as ``helpers.runtime_probes`` from the tests (pytest puts ``tests``
on ``sys.path``) and by subprocesses through
``custom_imports=['mmposenas', 'helpers.runtime_probes']`` with ``tests`` on
``PYTHONPATH``. The hooks register into MMPose's registry under names that
start with ``Probe`` so they never clash with the package's own.
"""
import os
import os.path as osp
import signal

import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmpose.registry import HOOKS

from mmposenas.models.search import arch_parameters, searchable_modules


class SimulatedCrash(RuntimeError):
    """Raised by :class:`ProbeCrashAfterEpochHook`."""


def _inner(model):
    return model.module if hasattr(model, 'module') else model


@HOOKS.register_module(force=True)
class ProbeKillAfterEpochHook(Hook):
    """SIGKILL the process once epoch ``epoch`` (1-based) is checkpointed."""
    priority = 'LOWEST'  # after CheckpointHook (VERY_LOW)

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def after_train_epoch(self, runner) -> None:
        if runner.epoch + 1 == self.epoch:
            os.kill(os.getpid(), signal.SIGKILL)


@HOOKS.register_module(force=True)
class ProbeCrashAfterEpochHook(Hook):
    """Raise :class:`SimulatedCrash` once epoch ``epoch`` is checkpointed."""
    priority = 'LOWEST'

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def after_train_epoch(self, runner) -> None:
        if runner.epoch + 1 == self.epoch:
            raise SimulatedCrash(f'simulated crash after epoch {self.epoch}')


@HOOKS.register_module(force=True)
class ProbeNaNHook(Hook):
    """Make iteration(s) ``iters`` (0-based) non-finite.

    ``target='output'`` multiplies the backbone output by NaN for those
    iterations only (the loss becomes NaN, the weights stay finite unless a
    step is taken); ``'alpha'`` writes NaN into the first α tensor;
    ``'weight'`` into the first backbone weight. It runs after the
    ``ArchOptimizerHook`` step of the iteration (priority ``LOW``).
    """
    priority = 'LOW'

    def __init__(self, iters, target: str = 'output') -> None:
        self.iters = set(iters)
        self.target = target
        self._handle = None

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        model = _inner(runner.model)
        if runner.iter not in self.iters:
            return
        if self.target == 'output':
            self._handle = model.backbone.register_forward_hook(
                lambda m, i, o: tuple(t * float('nan') for t in o))
        elif self.target == 'alpha':
            with torch.no_grad():
                arch_parameters(model)[0].fill_(float('nan'))
        elif self.target == 'weight':
            with torch.no_grad():
                next(model.backbone.parameters()).fill_(float('nan'))

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        if self._handle is not None:
            self._handle.remove()
            self._handle = None


@HOOKS.register_module(force=True)
class ProbeArchRecorderHook(Hook):
    """Record α and every sampled architecture of this rank; dump at the end.

    Writes ``<work_dir>/probe_rank<r>.pt`` with ``alphas`` (after every
    iteration) and ``samples`` (the mixing weights of every forward pass).
    """
    priority = 'LOWEST'

    def before_train(self, runner) -> None:
        self.alphas, self.samples = [], []
        module = searchable_modules(_inner(runner.model))[0]
        original = module.sample_arch_weights

        def recording():
            out = original()
            if module.training:
                self.samples.append({k: w.detach().clone()
                                     for k, (w, _) in out.items()})
            return out

        module.sample_arch_weights = recording

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        self.alphas.append([a.detach().clone()
                            for a in arch_parameters(_inner(runner.model))])

    def after_train(self, runner) -> None:
        torch.save(dict(alphas=self.alphas, samples=self.samples),
                   osp.join(runner.work_dir, f'probe_rank{get_rank()}.pt'))


@HOOKS.register_module(force=True)
class ProbeArchGradHook(Hook):
    """At the end, α gradients of a fixed 2B batch: split over ranks vs whole.

    Every rank draws the same ``2 * batch`` samples (same seeds), computes
    the first-order α gradient on its half averaged over processes (the
    hook's code path) and on the whole batch without reduction. BatchNorm
    uses its running statistics and α softmax weights, so both are the same
    function of the data. Writes ``<work_dir>/probe_grads_rank<r>.pt``.
    """
    priority = 'LOWEST'

    def __init__(self, batch: int = 2) -> None:
        self.batch = batch

    def after_train(self, runner) -> None:
        import random

        import numpy as np
        from mmengine.dataset import pseudo_collate
        from torch.func import functional_call

        from mmposenas.engine.arch_gradients import first_order_arch_grads
        from mmposenas.engine.hooks.arch_optimizer_hook import \
            _mean_over_processes

        model = _inner(runner.model)
        model.train()
        for m in model.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                m.eval()
        module = searchable_modules(model)[0]
        module.arch_params.sampling = 'softmax'
        dataset = runner.train_dataloader.dataset
        np.random.seed(123)
        random.seed(123)
        items = [dataset[i % len(dataset)] for i in range(2 * self.batch)]
        rank = get_rank()

        def loss_fn(overrides, data):
            losses = functional_call(model, overrides, args=(),
                                     kwargs=dict(**data, mode='loss'))
            return model.parse_losses(losses)[0]

        half = items[rank * self.batch:(rank + 1) * self.batch]
        split = first_order_arch_grads(
            model, loss_fn, model.data_preprocessor(pseudo_collate(half),
                                                    True),
            _mean_over_processes)
        whole = first_order_arch_grads(
            model, loss_fn, model.data_preprocessor(pseudo_collate(items),
                                                    True))
        torch.save(dict(split=split, whole=whole),
                   osp.join(runner.work_dir, f'probe_grads_rank{rank}.pt'))
