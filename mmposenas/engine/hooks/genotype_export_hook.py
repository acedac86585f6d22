"""Derive and export the genotype of a searchable model while it trains."""
import json
import os.path as osp
from typing import Any, List, Optional

from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.runner import Runner
from mmpose.registry import HOOKS

from mmposenas.models.search import (Genotype, check_finite_arch,
                                     searchable_modules)
from mmposenas.utils.io import atomic_write_text
from .arch_optimizer_hook import unwrap_model


@HOOKS.register_module()
class GenotypeExportHook(Hook):
    """Write ``genotype.json`` and its history; log α entropy.

    At the end of every ``interval`` epochs (or iterations with
    ``by_epoch=False``) and at the end of training, the genotype of the
    searchable model is derived and written into the work dir as
    ``out_file`` together with ``history_file`` (a JSON list of
    ``{epoch, iter, entropy, genotype}``). Both are written atomically
    (temporary file, then rename), so an interrupted run never leaves a
    half-written genotype. Non-finite α is refused
    (:class:`~mmposenas.models.search.NonFiniteArchError`): a diverged run
    never overwrites the last good genotype. The normalised α entropy of every α key (cell type)
    goes to the message hub as ``train/arch_entropy_<key>`` after every
    iteration, so it appears in the training log and the vis backends.

    Args:
        out_file (str): Genotype file name in the work dir (.json or .yaml).
        history_file (str, optional): Per-epoch history file name; ``None``
            disables it.
        interval (int): Derive every ``interval`` epochs/iterations.
        by_epoch (bool): Count ``interval`` in epochs (else iterations).
    """

    priority = 'LOW'

    def __init__(self, out_file: str = 'genotype.json',
                 history_file: Optional[str] = 'genotype_history.json',
                 interval: int = 1, by_epoch: bool = True) -> None:
        if interval < 1:
            raise ValueError(f'GenotypeExportHook: interval must be >= 1, '
                             f'got {interval}')
        self.out_file = out_file
        self.history_file = history_file
        self.interval = interval
        self.by_epoch = by_epoch
        self.history: List[dict] = []

    def _searchable(self, runner: Runner):
        modules = searchable_modules(unwrap_model(runner.model))
        if len(modules) != 1:
            raise RuntimeError(
                f'GenotypeExportHook: expected exactly one searchable module '
                f'holding architecture parameters, found {len(modules)}')
        return modules[0]

    def before_train(self, runner: Runner) -> None:
        self._searchable(runner)
        self.history = []
        if self.history_file:
            path = osp.join(runner.work_dir, self.history_file)
            if osp.isfile(path) and runner.iter > 0:  # resumed: keep history
                with open(path, encoding='utf-8') as f:
                    self.history = [
                        h for h in json.load(f) if h['iter'] <= runner.iter
                    ]

    def after_train_iter(self, runner: Runner, batch_idx: int,
                         data_batch: Any = None, outputs: Any = None) -> None:
        module = self._searchable(runner)
        for key, value in module.arch_entropy().items():
            runner.message_hub.update_scalar(f'train/arch_entropy_{key}',
                                             value)
        if not self.by_epoch and self.every_n_train_iters(
                runner, self.interval):
            self.export(runner, runner.epoch, runner.iter + 1)

    def after_train_epoch(self, runner: Runner) -> None:
        # MMEngine counts the finished epoch only after this hook.
        if self.by_epoch and self.every_n_epochs(runner, self.interval):
            self.export(runner, runner.epoch + 1, runner.iter)

    def after_train(self, runner: Runner) -> None:
        if not self.history or self.history[-1]['iter'] != runner.iter:
            self.export(runner, runner.epoch, runner.iter)

    def export(self, runner: Runner, epoch: int, iteration: int) -> Genotype:
        """Derive the genotype now and write it (main process only).

        Args:
            runner (Runner): The runner.
            epoch (int): Completed epochs, recorded in the history.
            iteration (int): Completed iterations, recorded in the history.
        """
        module = self._searchable(runner)
        check_finite_arch(module, f'epoch {epoch} / iter {iteration} of the '
                          f'run in {runner.work_dir}')
        genotype = module.derive_genotype()
        entropy = module.arch_entropy()
        self.history.append(
            dict(epoch=epoch, iter=iteration, entropy=entropy,
                 genotype=genotype.to_dict()))
        if is_main_process():
            path = osp.join(runner.work_dir, self.out_file)
            genotype.save(path)
            if self.history_file:
                atomic_write_text(
                    osp.join(runner.work_dir, self.history_file),
                    json.dumps(self.history, indent=1) + '\n')
            runner.logger.info(
                f'GenotypeExportHook: genotype of epoch {epoch} / iter '
                f'{iteration} written to {path}; α entropy ' + ', '.join(
                    f'{k}={v:.4f}' for k, v in entropy.items()))
        return genotype
