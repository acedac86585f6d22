"""Network-level search of multi-branch supernets (AutoPose) with REINFORCE."""
import contextlib
import copy
import io
import json
import os.path as osp
from typing import Any, Dict, List, Optional

import torch
from mmengine.dist import broadcast, get_rank, get_world_size, \
    is_main_process
from mmengine.hooks import Hook
from mmengine.runner import Runner
from mmpose.registry import HOOKS, MODELS, OPTIMIZERS

from mmposenas.models.search import (BranchController, MovingAverageBaseline,
                                     reinforce_update, select_best_mask)
from mmposenas.utils.io import atomic_write_text
from mmposenas.utils.search_plots import (plot_branch_architecture,
                                          plot_search_curves)
from .arch_optimizer_hook import unwrap_model

CHECKPOINT_KEY = 'branch_controller'


def scores_subset_alone(evaluator: Any) -> None:
    """Make metrics built without ``ann_file`` score only the seen samples.

    MMPose's ``CocoMetric(ann_file=None)`` should build its ground truth from
    the evaluated samples, but when its ``dataset_meta`` is set it loads the
    annotation file the dataset registered in the message hub (the whole
    validation set), so a reward subset would be scored against every
    validation image and most people would count as missed. Dropping that
    loaded ground truth restores the documented behaviour.
    """
    for metric in getattr(evaluator, 'metrics', []):
        if (hasattr(metric, 'coco') and hasattr(metric, 'ann_file')
                and metric.ann_file is None):
            metric.coco = None


@HOOKS.register_module()
class BranchControllerHook(Hook):
    """Sample, train and derive the active branches of a multi-branch supernet.

    The backbone (``model.backbone``) must offer ``set_active_branches``,
    ``set_derived_branches``, ``derived_branches``,
    ``num_branch_decisions`` and ``num_branches`` (``AutoPoseBackbone``).

    * Every training iteration: the controller's current policy samples a
      (D, B) branch mask and sets it on the backbone, so the weight step (and
      the α step of ``ArchOptimizerHook``, which runs after this hook) trains
      the sampled sub-network only.
    * At the end of every epoch from ``begin_epoch`` on (weights and α fixed):
      ``num_updates`` REINFORCE updates of the controller, each on
      ``samples_per_update`` sampled masks, rewarded by ``reward_key`` of
      ``reward_evaluator`` (e.g. MMPose's ``CocoMetric`` AP) over
      ``reward_dataloader`` with the supernet in eval mode; moving-average
      baseline, entropy bonus. Rewards are cached per mask within one
      end-of-epoch phase (the network does not change during it).
    * At the end of every epoch the backbone's ``derived_branches`` is set to
      the controller's greedy mask; at the end of the last epoch (and every
      ``derive_interval`` epochs) to the best of ``num_derive_samples``
      sampled masks scored like the rewards (the paper's derivation). Val and
      test loops run ``derived_branches``.
    * In the main process ``branch_search.json`` (history),
      ``branch_search_curves.png`` (α and policy entropy per epoch, reward per
      update) and ``branch_architecture.png`` are written into the work dir.

    Multi-process training: rank 0 samples every mask and broadcasts it, so
    all ranks run the same branches; the reward metric is computed over all
    ranks' shards, so every rank makes the same controller update. DDP needs
    ``model_wrapper_cfg=dict(type='MMDistributedDataParallel',
    find_unused_parameters=True)`` because inactive branches get no gradient.

    The controller (with its sampling generator), its optimizer, the baseline
    and the history are saved in checkpoints under ``'branch_controller'``
    and restored on ``--resume``.

    Args:
        reward_dataloader (dict): Dataloader config of the reward split (val
            pipeline; keep it small).
        reward_evaluator (dict | list): Evaluator config (e.g.
            ``dict(type='CocoMetric', ann_file=None)``: ground truth taken
            from the samples, so a subset of the validation set is scored
            alone).
        reward_key (str): Metric used as the reward.
        controller (dict): Extra arguments of :class:`BranchController`
            (``hidden_size``, ``init_range``); D and B come from the backbone.
        optimizer (dict): Controller optimizer (paper: Adam, lr 3.5e-3).
        begin_epoch (int): No controller update before this (0-based) epoch.
        num_updates (int): N_ctr, updates at the end of each epoch.
        samples_per_update (int): Masks per update (its batch size).
        baseline_decay (float): Moving-average decay of the baseline.
        entropy_weight (float): Weight of the entropy bonus.
        grad_clip (float, optional): Clip the controller gradient norm.
        num_derive_samples (int): N, masks scored by the final derivation.
        derive_interval (int): Also derive every this many epochs (0: only at
            the end of training).
        entropy_samples (int): Masks drawn per epoch to estimate the policy
            entropy and per-branch activation frequencies.
        seed (int, optional): Seed of the controller's generator and
            initialisation; the runner's seed when omitted.
        plot (bool): Write the PNG plots.
        quiet_eval (bool): Silence the metric's stdout (COCO summaries)
            during reward evaluations.
    """

    priority = 'ABOVE_NORMAL'  # before ArchOptimizerHook and export hooks

    def __init__(self, reward_dataloader: dict, reward_evaluator: Any,
                 reward_key: str = 'coco/AP',
                 controller: Optional[dict] = None,
                 optimizer: dict = dict(type='Adam', lr=3.5e-3),
                 begin_epoch: int = 5, num_updates: int = 10,
                 samples_per_update: int = 2, baseline_decay: float = 0.95,
                 entropy_weight: float = 1e-4,
                 grad_clip: Optional[float] = None,
                 num_derive_samples: int = 10, derive_interval: int = 0,
                 entropy_samples: int = 16, seed: Optional[int] = None,
                 plot: bool = True, quiet_eval: bool = True) -> None:
        for name, value, low in (('num_updates', num_updates, 0),
                                 ('samples_per_update', samples_per_update,
                                  1),
                                 ('num_derive_samples', num_derive_samples,
                                  1), ('derive_interval', derive_interval, 0),
                                 ('entropy_samples', entropy_samples, 1),
                                 ('begin_epoch', begin_epoch, 0)):
            if not isinstance(value, int) or value < low:
                raise ValueError(f'BranchControllerHook: {name} must be an '
                                 f'int >= {low}, got {value!r}')
        self.reward_dataloader_cfg = copy.deepcopy(reward_dataloader)
        self.reward_evaluator_cfg = copy.deepcopy(reward_evaluator)
        self.reward_key = reward_key
        self.controller_cfg = copy.deepcopy(controller or {})
        self.controller_cfg.pop('type', None)
        self.optimizer_cfg = copy.deepcopy(optimizer)
        self.begin_epoch = begin_epoch
        self.num_updates = num_updates
        self.samples_per_update = samples_per_update
        self.baseline = MovingAverageBaseline(baseline_decay)
        self.entropy_weight = entropy_weight
        self.grad_clip = grad_clip
        self.num_derive_samples = num_derive_samples
        self.derive_interval = derive_interval
        self.entropy_samples = entropy_samples
        self.seed = seed
        self.plot = plot
        self.quiet_eval = quiet_eval

        self.controller: Optional[BranchController] = None
        self.optimizer: Optional[torch.optim.Optimizer] = None
        self.history: Dict[str, List[dict]] = dict(epochs=[], updates=[])
        self._reward_loader = None
        self._evaluator = None
        self._reward_cache: Dict[tuple, float] = {}
        self._pending_state: Optional[Dict[str, Any]] = None

    # --------------------------------------------------------------- set-up
    @staticmethod
    def _backbone(runner: Runner):
        model = unwrap_model(runner.model)
        backbone = getattr(model, 'backbone', model)
        needed = ('set_active_branches', 'set_derived_branches',
                  'num_branch_decisions', 'num_branches')
        missing = [n for n in needed if not hasattr(backbone, n)]
        if missing or not getattr(backbone, 'is_searchable', False):
            raise RuntimeError(
                f'BranchControllerHook: model.backbone '
                f'({type(backbone).__name__}) must be a multi-branch supernet '
                f'(e.g. AutoPoseBackbone with genotype=None); missing '
                f'{missing or "architecture parameters"}')
        return backbone

    def build_controller(self, backbone, seed: int) -> None:
        """Build the controller and its optimizer for ``backbone``."""
        cfg = dict(type='BranchController',
                   num_decisions=backbone.num_branch_decisions,
                   num_branches=backbone.num_branches, seed=seed,
                   **self.controller_cfg)
        with torch.random.fork_rng(devices=[]):  # init leaves global RNG
            torch.manual_seed(seed)
            self.controller = MODELS.build(cfg)
        opt_cfg = copy.deepcopy(self.optimizer_cfg)
        opt_cfg['params'] = self.controller.parameters()
        self.optimizer = OPTIMIZERS.build(opt_cfg)

    def before_train(self, runner: Runner) -> None:
        backbone = self._backbone(runner)
        seed = self.seed if self.seed is not None else runner.seed
        self.build_controller(backbone, int(seed))
        if self._pending_state is not None and getattr(runner, '_resume',
                                                       False):
            self.load_state_dict(self._pending_state)
            backbone.set_derived_branches(
                backbone.derived_branches,
                self._pending_state.get('branch_derivation'))
            runner.logger.info('BranchControllerHook: restored the branch '
                               'controller, its optimizer, baseline and '
                               'sampling generator from the checkpoint')
        self._pending_state = None
        self._reward_loader = runner.build_dataloader(
            self.reward_dataloader_cfg, seed=runner.seed)
        self._evaluator = runner.build_evaluator(self.reward_evaluator_cfg)
        self._evaluator.dataset_meta = self._reward_loader.dataset.metainfo
        scores_subset_alone(self._evaluator)

    # ----------------------------------------------------------- state dict
    def state_dict(self) -> Dict[str, Any]:
        """Controller (with generator), optimizer, baseline and history."""
        return dict(controller=self.controller.state_dict(),
                    optimizer=self.optimizer.state_dict(),
                    baseline=self.baseline.state_dict(),
                    history=copy.deepcopy(self.history))

    def load_state_dict(self, state: Dict[str, Any]) -> None:
        self.controller.load_state_dict(state['controller'])
        self.optimizer.load_state_dict(state['optimizer'])
        self.baseline.load_state_dict(state['baseline'])
        self.history = copy.deepcopy(state['history'])

    def before_save_checkpoint(self, runner: Runner, checkpoint: dict) -> None:
        if self.controller is None:
            return
        state = self.state_dict()
        state['branch_derivation'] = copy.deepcopy(
            self._backbone(runner).branch_derivation)
        checkpoint[CHECKPOINT_KEY] = state

    def after_load_checkpoint(self, runner: Runner, checkpoint: dict) -> None:
        self._pending_state = checkpoint.get(CHECKPOINT_KEY)

    # ------------------------------------------------------------- sampling
    def sample(self, greedy: bool = False) -> torch.Tensor:
        """A (D, B) mask sampled by rank 0 and broadcast to every rank."""
        if get_rank() == 0:
            mask = self.controller.sample(greedy=greedy)
        else:
            mask = torch.zeros(self.controller.shape, dtype=torch.long)
        if get_world_size() > 1:
            broadcast(mask, src=0)
        return mask

    def before_train_iter(self, runner: Runner, batch_idx: int,
                          data_batch: Any = None) -> None:
        mask = self.sample()
        self._backbone(runner).set_active_branches(mask)
        runner.message_hub.update_scalar('train/branches_on',
                                         float(mask.float().mean()))

    def _use_derived(self, runner: Runner) -> None:
        backbone = self._backbone(runner)
        backbone.set_active_branches(backbone.derived_branches)

    def before_val_epoch(self, runner: Runner) -> None:
        self._use_derived(runner)

    def before_test_epoch(self, runner: Runner) -> None:
        self._use_derived(runner)

    # --------------------------------------------------------------- reward
    def reward(self, runner: Runner, mask: torch.Tensor) -> float:
        """``reward_key`` of the supernet run with ``mask`` (eval mode)."""
        key = tuple(mask.reshape(-1).tolist())
        if key in self._reward_cache:
            return self._reward_cache[key]
        self._backbone(runner).set_active_branches(mask)
        model = runner.model
        was_training = model.training
        model.eval()
        quiet = (contextlib.redirect_stdout(io.StringIO())
                 if self.quiet_eval else contextlib.nullcontext())
        try:
            with torch.no_grad():
                for batch in self._reward_loader:
                    outputs = model.val_step(batch)
                    self._evaluator.process(data_samples=outputs,
                                            data_batch=batch)
            with quiet:
                metrics = self._evaluator.evaluate(
                    len(self._reward_loader.dataset))
        finally:
            model.train(was_training)
        if self.reward_key not in metrics:
            raise KeyError(f'BranchControllerHook: reward_key '
                           f'{self.reward_key!r} is not among the reward '
                           f'metrics {sorted(metrics)}')
        value = float(metrics[self.reward_key])
        self._reward_cache[key] = value
        return value

    # ------------------------------------------------------------ epoch end
    def after_train_epoch(self, runner: Runner) -> None:
        backbone = self._backbone(runner)
        epoch = runner.epoch + 1  # MMEngine counts it after this hook
        self._reward_cache = {}
        if runner.epoch >= self.begin_epoch:
            for u in range(self.num_updates):
                masks = [self.sample() for _ in range(self.samples_per_update)]
                rewards = [self.reward(runner, m) for m in masks]
                stats = reinforce_update(self.controller, self.optimizer,
                                         masks, rewards, self.baseline,
                                         self.entropy_weight, self.grad_clip)
                self.history['updates'].append(
                    dict(epoch=epoch, update=u, rewards=rewards,
                         masks=[m.tolist() for m in masks], **stats))
                for k in ('reward', 'baseline', 'loss'):
                    runner.message_hub.update_scalar(f'train/controller_{k}',
                                                     stats[k])
        policy_entropy, activation = self.controller.policy_stats(
            self.entropy_samples)
        if (runner.epoch + 1 == runner.max_epochs or
                (self.derive_interval and epoch % self.derive_interval == 0)):
            self.derive(runner)
        else:
            backbone.set_derived_branches(
                self.sample(greedy=True),
                dict(branch_source='controller_greedy'))
        record = dict(epoch=epoch, arch_entropy=backbone.arch_entropy(),
                      policy_entropy=policy_entropy, activation=activation,
                      derived=backbone.derived_branches.cpu().tolist(),
                      branch_source=backbone.branch_derivation.get(
                          'branch_source'))
        self.history['epochs'].append(record)
        runner.message_hub.update_scalar('train/policy_entropy',
                                         policy_entropy)
        self._reward_cache = {}
        if is_main_process():
            self.write_outputs(runner, activation)

    def derive(self, runner: Runner) -> torch.Tensor:
        """Best of ``num_derive_samples`` sampled masks; set on the backbone.

        Returns:
            Tensor: The chosen (D, B) mask.
        """
        backbone = self._backbone(runner)
        candidates = [self.sample() for _ in range(self.num_derive_samples)]
        best, table = select_best_mask(candidates,
                                       lambda m: self.reward(runner, m))
        best_score = max(c['score'] for c in table)
        backbone.set_derived_branches(
            best,
            dict(branch_source='best_of_sampled', branch_score=best_score,
                 branch_reward_key=self.reward_key,
                 branch_candidates=table))
        runner.logger.info(
            f'BranchControllerHook: derived branches {best.tolist()} '
            f'({self.reward_key}={best_score:.4f}, best of '
            f'{len(candidates)} sampled masks)')
        return best

    def write_outputs(self, runner: Runner,
                      activation: Optional[List[List[float]]] = None) -> None:
        """History JSON and PNG plots into the work dir."""
        backbone = self._backbone(runner)
        atomic_write_text(
            osp.join(runner.work_dir, 'branch_search.json'),
            json.dumps(self.history, indent=1) + '\n')
        if not self.plot:
            return
        plot_search_curves(self.history['epochs'], self.history['updates'],
                           osp.join(runner.work_dir,
                                    'branch_search_curves.png'),
                           begin_epoch=self.begin_epoch)
        derived = backbone.derived_branches.cpu().tolist()
        module_act = None
        if activation is not None:
            module_act = backbone.module_masks(activation)
        source = backbone.branch_derivation.get('branch_source', '')
        plot_branch_architecture(
            backbone.module_masks(derived), backbone.channels,
            osp.join(runner.work_dir, 'branch_architecture.png'),
            modules_per_stage=backbone.modules_per_stage,
            activation=module_act,
            title=f'derived branches ({source}); numbers: activation '
            f'frequency of the policy')
