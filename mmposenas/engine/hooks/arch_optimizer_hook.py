"""Architecture search inside MMEngine's ordinary Runner."""
import copy
from contextlib import contextmanager, nullcontext
from typing import Any, Dict, Iterator, List, Optional, Sequence, Set

import torch
from mmengine.dist import all_reduce
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.optim import AmpOptimWrapper, OptimWrapper, OptimWrapperDict
from mmengine.runner import Runner
from mmpose.registry import HOOKS, OPTIMIZERS, PARAM_SCHEDULERS
from torch import Tensor
from torch.func import functional_call

from mmposenas.models.search import arch_parameters, searchable_modules
from mmposenas.models.search.cost import EdgeCostTable
from ..arch_gradients import first_order_arch_grads, second_order_arch_grads

BILEVEL_MODES = ('first_order', 'second_order')
MODES = BILEVEL_MODES + ('synchronous', 'random')
CHECKPOINT_KEY = 'arch_optimizer'


def unwrap_model(model: torch.nn.Module) -> torch.nn.Module:
    """The model inside a DDP/FSDP wrapper, or the model itself."""
    return model.module if is_model_wrapper(model) else model


def optimizer_param_ids(optim_wrapper: Any) -> Set[int]:
    """ids of every parameter held by an optim wrapper (or wrapper dict)."""
    wrappers = (optim_wrapper.values()
                if isinstance(optim_wrapper, OptimWrapperDict) else
                [optim_wrapper])
    return {
        id(p)
        for w in wrappers for group in w.optimizer.param_groups
        for p in group['params']
    }


def precision_context(runner: Runner, model: torch.nn.Module):
    """The weight optimizer's autocast context (``--amp``), else a no-op."""
    if isinstance(runner.optim_wrapper, OptimWrapperDict):
        return nullcontext()
    return runner.optim_wrapper.optim_context(model)


@contextmanager
def arch_smoothing_off(model: torch.nn.Module):
    """Switch off the SDARTS-RS α perturbation inside the block."""
    from mmposenas.models.search import ArchitectureParameters
    modules = [m for m in model.modules()
               if isinstance(m, ArchitectureParameters)]
    saved = [m.smoothing_active for m in modules]
    for m in modules:
        m.smoothing_active = False
    try:
        yield
    finally:
        for m, active in zip(modules, saved):
            m.smoothing_active = active


def check_ddp_unused_parameters(model: torch.nn.Module) -> None:
    """A Gumbel-hard supernet under DDP must allow unused parameters.

    Only the sampled op of each edge runs, so the other candidates get no
    gradient in that step, which DDP rejects unless it was built with
    ``find_unused_parameters=True``.

    Raises:
        RuntimeError: Naming the config key to set.
    """
    from mmposenas.models.search import ArchitectureParameters
    if not is_model_wrapper(model) or getattr(
            model, 'find_unused_parameters', True):
        return
    hard = any(m.sampling == 'gumbel_hard' for m in model.modules()
               if isinstance(m, ArchitectureParameters))
    if hard:
        raise RuntimeError(
            'ArchOptimizerHook: a supernet with sampling="gumbel_hard" runs '
            'only the sampled op of each edge, so under distributed training '
            'the other candidates receive no gradient; set '
            '`find_unused_parameters = True` in the config (or '
            '`model_wrapper_cfg.find_unused_parameters=True`)')


def resumable_loader_cfg(cfg: dict) -> dict:
    """A dataloader config whose sampler is wrapped in ``ResumableSampler``."""
    cfg = copy.deepcopy(cfg)
    sampler = cfg.get('sampler')
    if not isinstance(sampler, dict):
        raise ValueError(
            f'ArchOptimizerHook: arch_dataloader.sampler must be a sampler '
            f'config dict (e.g. dict(type="DefaultSampler", shuffle=True)); '
            f'got {sampler!r}')
    if sampler.get('type') != 'ResumableSampler':
        cfg['sampler'] = dict(type='ResumableSampler', sampler=sampler)
    return cfg


def _mean_over_processes(t: Tensor) -> Tensor:
    """Average a gradient over processes (identity in a single process)."""
    all_reduce(t, op='mean')
    return t


@HOOKS.register_module()
class ArchOptimizerHook(Hook):
    """Update architecture parameters α during ordinary training.

    Modes:

    * ``'first_order'``: before each weight step, one α step on a batch of the
      architecture split: ∇α L_val(w, α) (DARTS first order).
    * ``'second_order'``: the α step uses the unrolled gradient of DARTS Eq. 7
      (virtual step w' = w − ξ∇w L_train on the same training batch as the
      weight step, finite-difference Hessian-vector product). The live
      weights and BatchNorm buffers are left bit-for-bit unchanged.
    * ``'synchronous'`` (PoseNFS): α is updated by the runner's own optimizer
      in the same step as the weights; build the optim wrapper with
      ``constructor='NASOptimWrapperConstructor', arch_params='include'`` and
      give α its lr/decay with ``paramwise_cfg.custom_keys['arch_params']``.
      No second dataloader.
    * ``'random'``: α is drawn once from N(0, random_std²) with ``seed`` and
      never updated (random-architecture baseline).

    In the bilevel modes the hook owns the architecture dataloader, optimizer
    and LR schedulers; their states and the position in the architecture
    split (pass number and batches drawn; its sampler is wrapped in
    :class:`~mmposenas.datasets.ResumableSampler`) are saved into checkpoints
    under ``'arch_optimizer'`` and restored on ``--resume``. α itself is a
    model parameter and is saved with the model. With ``RandomStateHook`` a
    resumed search is bit-identical to the uninterrupted one (an
    architecture split loaded with ``num_workers=0``, or without random
    transforms, is needed for that mid-pass).

    Args:
        mode (str): One of ``'first_order'``, ``'second_order'``,
            ``'synchronous'``, ``'random'``.
        arch_dataloader (dict, optional): Dataloader config of the
            architecture (validation) split; required by bilevel modes.
        optimizer (dict): Optimizer config for α (DARTS: Adam, lr 3e-4,
            betas (0.5, 0.999), weight decay 1e-3).
        param_scheduler (dict | list[dict], optional): LR schedulers for the α
            optimizer; ``by_epoch=True`` ones step after every epoch, others
            after every α step.
        begin_epoch (int): α is not updated before this epoch (warm-up).
        interval (int): One α step every ``interval`` training iterations.
        xi (float, optional): Virtual step size ξ of second order; defaults to
            the current learning rate of the weight optimizer.
        fd_radius (float): Finite-difference scale r (ε = r / ‖∇w' L_val‖).
        grad_clip (float, optional): Clip the α gradient norm to this value.
        seed (int): Seed of the random mode.
        random_std (float): Standard deviation of the random mode.
        cost_weight (float): Cost-aware search (bilevel modes): adds
            ``cost_weight`` × a multiply-add term to the α loss. Without
            ``cost_target`` the term is E[MACs] / MACs of the costliest
            architecture (in [0, 1]); with it, ``relu(E[MACs] - target) /
            target`` (a budget: no pull below it). E[MACs] is the whole
            network's expected multiply-adds under softmax(α)
            (:class:`~mmposenas.models.search.cost.EdgeCostTable`), logged
            as ``train/expected_gmacs``.
        cost_target (float, optional): Budget in multiply-adds at
            ``cost_input_shape``.
        cost_input_shape (tuple[int, int, int]): (C, H, W) at which costs
            are counted (the search input size).
    """

    priority = 'NORMAL'

    def __init__(self, mode: str = 'first_order',
                 arch_dataloader: Optional[dict] = None,
                 optimizer: dict = dict(type='Adam', lr=3e-4,
                                        betas=(0.5, 0.999),
                                        weight_decay=1e-3),
                 param_scheduler: Optional[Any] = None, begin_epoch: int = 0,
                 interval: int = 1, xi: Optional[float] = None,
                 fd_radius: float = 0.01, grad_clip: Optional[float] = None,
                 seed: int = 0, random_std: float = 1.0,
                 cost_weight: float = 0.0,
                 cost_target: Optional[float] = None,
                 cost_input_shape: Optional[Sequence[int]] = None) -> None:
        if mode not in MODES:
            raise ValueError(f'ArchOptimizerHook: mode must be one of {MODES}, '
                             f'got {mode!r}')
        if mode in BILEVEL_MODES and arch_dataloader is None:
            raise ValueError(f'ArchOptimizerHook: mode {mode!r} needs '
                             f'`arch_dataloader` (the architecture split)')
        if mode not in BILEVEL_MODES and begin_epoch:
            raise ValueError(f'ArchOptimizerHook: begin_epoch applies to the '
                             f'bilevel modes {BILEVEL_MODES}, not {mode!r}')
        if interval < 1:
            raise ValueError(f'ArchOptimizerHook: interval must be >= 1, got '
                             f'{interval}')
        self.mode = mode
        self.arch_dataloader_cfg = copy.deepcopy(arch_dataloader)
        self.optimizer_cfg = copy.deepcopy(optimizer)
        if isinstance(param_scheduler, dict):
            param_scheduler = [param_scheduler]
        self.param_scheduler_cfg = copy.deepcopy(param_scheduler or [])
        self.begin_epoch = begin_epoch
        self.interval = interval
        self.xi = xi
        self.fd_radius = fd_radius
        self.grad_clip = grad_clip
        self.seed = seed
        self.random_std = random_std
        if cost_weight < 0 or (cost_target is not None and cost_target <= 0):
            raise ValueError(f'ArchOptimizerHook: cost_weight must be >= 0 '
                             f'and cost_target > 0, got {cost_weight}, '
                             f'{cost_target}')
        if cost_weight and (mode not in BILEVEL_MODES or
                            cost_input_shape is None):
            raise ValueError(
                'ArchOptimizerHook: cost_weight needs a bilevel mode '
                f'{BILEVEL_MODES} and cost_input_shape=(C, H, W) of the '
                f'search input; got mode={mode!r}, '
                f'cost_input_shape={cost_input_shape}')
        self.cost_weight = float(cost_weight)
        self.cost_target = cost_target
        self.cost_input_shape = (tuple(int(v) for v in cost_input_shape)
                                 if cost_input_shape is not None else None)
        self.cost_table = None

        self.optim_wrapper: Optional[OptimWrapper] = None
        self.param_schedulers: List[Any] = []
        self._arch_loader = None
        self._arch_iter: Optional[Iterator] = None
        self._arch_epoch = 0  # passes over the architecture split started
        self._arch_batches = 0  # batches drawn in the current pass
        self._resume_batches = 0  # batches to skip when the pass restarts
        self._pending_state: Optional[Dict[str, Any]] = None

    # --------------------------------------------------------------- set-up
    def before_train(self, runner: Runner) -> None:
        model = unwrap_model(runner.model)
        alphas = arch_parameters(model)
        check_ddp_unused_parameters(runner.model)
        if not alphas:
            raise RuntimeError(
                'ArchOptimizerHook: the model has no architecture parameters; '
                'build the searchable backbone (genotype=None) or remove the '
                'hook from custom_hooks')
        in_optimizer = optimizer_param_ids(runner.optim_wrapper)
        shared = [p for p in alphas if id(p) in in_optimizer]
        if self.mode == 'synchronous':
            if len(shared) != len(alphas):
                raise RuntimeError(
                    'ArchOptimizerHook(mode="synchronous"): α must be updated '
                    'by the runner optimizer; set optim_wrapper.constructor='
                    '"NASOptimWrapperConstructor" and optim_wrapper.'
                    'arch_params="include"')
            return
        if shared:
            raise RuntimeError(
                f'ArchOptimizerHook(mode={self.mode!r}): the runner optimizer '
                f'also updates {len(shared)} architecture parameter(s), which '
                f'would mix weight and α steps; set optim_wrapper.constructor='
                f'"NASOptimWrapperConstructor" (arch_params="exclude")')
        if self.mode == 'random':
            for module in searchable_modules(model):
                module.arch_params.reset_random(self.seed, self.random_std)
            # Frozen: no α gradient is computed or kept by the weight steps.
            for alpha in alphas:
                alpha.requires_grad_(False)
                alpha.grad = None
            runner.logger.info(f'ArchOptimizerHook: α drawn from N(0, '
                               f'{self.random_std}²) with seed {self.seed} '
                               f'and frozen')
            return
        if self.mode == 'second_order' and isinstance(runner.optim_wrapper,
                                                      AmpOptimWrapper):
            raise RuntimeError(
                'ArchOptimizerHook: second-order search uses a finite-'
                'difference Hessian-vector product that is not reliable in '
                'reduced precision; run without --amp or use '
                'mode="first_order"')
        if self.mode == 'second_order' and isinstance(runner.optim_wrapper,
                                                      OptimWrapperDict):
            raise RuntimeError('ArchOptimizerHook: second-order search needs '
                               'a single weight optimizer (for ξ)')
        self._build_optimizer(alphas)
        if self._pending_state is not None and getattr(runner, '_resume',
                                                       False):
            self._load_state(self._pending_state)
            runner.logger.info('ArchOptimizerHook: restored the α optimizer '
                               'and scheduler state from the checkpoint')
        self._pending_state = None
        self._arch_loader = runner.build_dataloader(
            resumable_loader_cfg(self.arch_dataloader_cfg), seed=runner.seed)
        if self.cost_weight:
            self.cost_table = EdgeCostTable(model, self.cost_input_shape)
            runner.logger.info(
                f'ArchOptimizerHook: cost-aware search, '
                f'{self.cost_table.fixed / 1e9:.4f} GMACs fixed, at most '
                f'{self.cost_table.max_macs / 1e9:.4f} GMACs')

    def cost_loss(self) -> Tensor:
        """The weighted multiply-add term of the α loss (0 when off)."""
        if self.cost_table is None:
            return torch.zeros(())
        expected = self.cost_table.expected_macs()
        if self.cost_target is None:
            term = expected / self.cost_table.max_macs
        else:
            term = torch.relu(expected - self.cost_target) / self.cost_target
        return (self.cost_weight * term).float()

    def _build_optimizer(self, alphas: Sequence[torch.nn.Parameter]) -> None:
        cfg = copy.deepcopy(self.optimizer_cfg)
        cfg['params'] = list(alphas)
        self.optim_wrapper = OptimWrapper(OPTIMIZERS.build(cfg))
        self.param_schedulers = [
            PARAM_SCHEDULERS.build(
                copy.deepcopy(s), default_args=dict(optimizer=self.optim_wrapper))
            for s in self.param_scheduler_cfg
        ]

    # ------------------------------------------------------------- training
    def before_train_iter(self, runner: Runner, batch_idx: int,
                          data_batch: Optional[Any] = None) -> None:
        if self.mode not in BILEVEL_MODES or runner.epoch < self.begin_epoch:
            return
        if runner.iter % self.interval:
            return
        self.arch_step(runner, data_batch)

    def after_train_epoch(self, runner: Runner) -> None:
        if self.optim_wrapper is None or runner.epoch < self.begin_epoch:
            return
        for scheduler in self.param_schedulers:
            if scheduler.by_epoch:
                scheduler.step()

    def _next_arch_batch(self) -> Any:
        """The next batch of the architecture split (a new pass at its end).

        The pass number and the batches drawn in it are checkpointed; a
        resumed run restarts the pass with the same shuffle order and skips
        the drawn batches at the index level (no image is loaded). Creating
        that resumed iterator leaves the torch random state untouched, as the
        uninterrupted run created its iterator before the checkpoint.
        """
        if self._arch_iter is None:
            loader = self._arch_loader
            batch_sampler = getattr(loader, 'batch_sampler', None)
            if hasattr(batch_sampler, 'skip_next_batches'):
                # a batch sampler that owns the order (MixedRatioBatchSampler)
                sampler = batch_sampler
                skip = batch_sampler.skip_next_batches
            else:
                sampler = loader.sampler

                def skip(num_batches: int) -> None:
                    sampler.skip_next(num_batches * loader.batch_size)
            sampler.set_epoch(self._arch_epoch)
            if self._resume_batches:
                skip(self._resume_batches)
                rng = torch.get_rng_state()
                self._arch_iter = iter(self._arch_loader)
                torch.set_rng_state(rng)
                self._arch_batches = self._resume_batches
                self._resume_batches = 0
            else:
                self._arch_iter = iter(self._arch_loader)
                self._arch_batches = 0
        try:
            batch = next(self._arch_iter)
        except StopIteration:
            self._arch_epoch += 1
            self._arch_iter = None
            return self._next_arch_batch()
        self._arch_batches += 1
        return batch

    def arch_step(self, runner: Runner, train_batch: Any) -> None:
        """One update of α on a batch of the architecture split.

        Args:
            runner (Runner): The runner.
            train_batch: The batch of the coming weight step (second order
                uses it for the virtual step).
        """
        model = unwrap_model(runner.model)
        alphas = arch_parameters(model)
        val_data = model.data_preprocessor(self._next_arch_batch(), True)

        def loss_fn(overrides: Dict[str, Tensor], data: Dict) -> Tensor:
            with precision_context(runner, model):
                losses = functional_call(model, overrides, args=(),
                                         kwargs=dict(**data, mode='loss'))
            loss, _ = model.parse_losses(losses)
            if self.cost_table is not None:
                loss = loss + self.cost_loss()
            return loss

        # α is stepped on the unperturbed α (SDARTS-RS smooths the weight
        # step only)
        with arch_smoothing_off(model):
            if self.mode == 'first_order':
                # α the loss does not reach (all cells of a type on inactive
                # branches) keep grad None: Adam then leaves them untouched.
                grads = first_order_arch_grads(model, loss_fn, val_data,
                                               _mean_over_processes,
                                               unused_as_none=True)
            else:
                xi = self.xi
                if xi is None:
                    xi = runner.optim_wrapper.get_lr()['lr'][0]
                train_data = model.data_preprocessor(train_batch, True)
                grads = second_order_arch_grads(model, loss_fn, train_data,
                                                val_data, xi, self.fd_radius,
                                                _mean_over_processes)
        for alpha, grad in zip(alphas, grads):
            alpha.grad = None if grad is None else grad.to(alpha.dtype)
        if self.grad_clip is not None:
            torch.nn.utils.clip_grad_norm_(alphas, self.grad_clip)
        self.optim_wrapper.step()
        self.optim_wrapper.zero_grad(set_to_none=True)
        for scheduler in self.param_schedulers:
            if not scheduler.by_epoch:
                scheduler.step()
        runner.message_hub.update_scalar(
            'train/arch_lr', self.optim_wrapper.get_lr()['lr'][0])
        if self.cost_table is not None:
            runner.message_hub.update_scalar(
                'train/expected_gmacs',
                float(self.cost_table.expected_macs()) / 1e9)

    # ---------------------------------------------------------- checkpoints
    def before_save_checkpoint(self, runner: Runner, checkpoint: dict) -> None:
        if self.optim_wrapper is None:
            return
        checkpoint[CHECKPOINT_KEY] = dict(
            mode=self.mode,
            optimizer=self.optim_wrapper.state_dict(),
            param_schedulers=[s.state_dict() for s in self.param_schedulers],
            arch_epoch=self._arch_epoch,
            arch_batches=self._arch_batches if self._arch_iter is not None
            else self._resume_batches)

    def after_load_checkpoint(self, runner: Runner, checkpoint: dict) -> None:
        self._pending_state = checkpoint.get(CHECKPOINT_KEY)

    def _load_state(self, state: Dict[str, Any]) -> None:
        if state.get('mode') != self.mode:
            raise RuntimeError(
                f'ArchOptimizerHook: the checkpoint was written in mode '
                f'{state.get("mode")!r} but the config asks for {self.mode!r}')
        self.optim_wrapper.load_state_dict(state['optimizer'])
        saved = state.get('param_schedulers', [])
        if len(saved) != len(self.param_schedulers):
            raise RuntimeError(
                f'ArchOptimizerHook: the checkpoint has {len(saved)} α '
                f'scheduler state(s), the config defines '
                f'{len(self.param_schedulers)}')
        for scheduler, s in zip(self.param_schedulers, saved):
            scheduler.load_state_dict(s)
        self._arch_epoch = state.get('arch_epoch', 0)
        self._arch_batches = 0
        self._resume_batches = state.get('arch_batches', 0)
        self._arch_iter = None
