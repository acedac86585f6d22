"""Batches that mix the sources of a concatenated dataset at a fixed ratio."""
import bisect
from typing import Iterator, List, Sequence

import numpy as np
from mmpose.registry import DATA_SAMPLERS
from torch.utils.data import Sampler


def source_sizes(dataset) -> List[int]:
    """Lengths of the sub-datasets of a concatenated dataset.

    Supports MMPose's ``CombinedDataset`` (``lens``, after its optional
    ``sample_ratio_factor``) and MMEngine's / PyTorch's ``ConcatDataset``
    (``cumulative_sizes``).
    """
    if hasattr(dataset, 'lens'):
        return [int(n) for n in dataset.lens]
    if hasattr(dataset, 'cumulative_sizes'):
        cum = [0] + [int(n) for n in dataset.cumulative_sizes]
        return [b - a for a, b in zip(cum[:-1], cum[1:])]
    raise TypeError(
        'MixedRatioBatchSampler needs a concatenated dataset (MMPose '
        "CombinedDataset or MMEngine ConcatDataset), got "
        f'{type(dataset).__name__}')


def split_batch(batch_size: int, ratios: Sequence[float]) -> List[int]:
    """Samples per source in one batch: ``batch_size * r_i / sum(r)``
    rounded by largest remainder (ties to the earlier source), so the quotas
    sum to ``batch_size``."""
    total = float(sum(ratios))
    exact = [batch_size * r / total for r in ratios]
    quota = [int(np.floor(e)) for e in exact]
    order = sorted(range(len(ratios)), key=lambda i: (quota[i] - exact[i], i))
    for i in order[:batch_size - sum(quota)]:
        quota[i] += 1
    return quota


@DATA_SAMPLERS.register_module()
class MixedRatioBatchSampler(Sampler):
    """Every batch holds the sources of a concatenated dataset at a ratio.

    E.g. Human3.6M (3D) and MPII (2D) in a ``CombinedDataset`` at 1:1: a
    batch of 32 holds 16 samples of each. The wrapped ``sampler`` (e.g.
    ``DefaultSampler``: shuffling, seed, epoch, distributed sharding) gives
    the order; its indices are split by source and drawn ``quota`` at a time.
    One epoch is one pass over source ``epoch_source`` (default 0: the first
    dataset); the other sources are cycled, reshuffled on every cycle with a
    generator seeded by ``(sampler.seed, sampler.epoch, source, cycle)``, so
    an epoch is reproducible and a resumed run sees the same batches.

    Why not MMPose's ``MultiSourceSampler``: it accepts only
    ``CombinedDataset``, its ``set_epoch`` does nothing and its per-source
    streams restart from the seed in every new process, so a resumed run
    repeats the first batches; and its epoch length is the summed dataset
    size whatever the ratio.

    Use it as the dataloader's ``batch_sampler`` (MMEngine passes the
    ``sampler`` and the ``batch_size``)::

        train_dataloader = dict(
            batch_size=32,
            sampler=dict(type='DefaultSampler', shuffle=True),
            batch_sampler=dict(type='MixedRatioBatchSampler', ratios=[1, 1]),
            dataset=dict(type='CombinedDataset', datasets=[h36m, mpii], ...))

    Args:
        sampler (Sampler): Sampler over the concatenated dataset; must have
            a ``dataset`` attribute.
        batch_size (int): Samples per batch.
        ratios (sequence[float]): Relative share of each source (one per
            sub-dataset, >= 0, not all 0). Defaults to ``(1, 1)``.
        epoch_source (int): The source one pass over which makes an epoch.
            Must have a positive quota.
        drop_last (bool): Drop the last batch when ``epoch_source`` cannot
            fill its quota; otherwise the last batch is smaller, with the
            other sources cut in proportion. Defaults to ``False``.
    """

    def __init__(self,
                 sampler: Sampler,
                 batch_size: int,
                 ratios: Sequence[float] = (1, 1),
                 epoch_source: int = 0,
                 drop_last: bool = False) -> None:
        base = sampler
        while not hasattr(base, 'dataset') and hasattr(base, 'sampler'):
            base = base.sampler  # e.g. through a ResumableSampler
        if not hasattr(base, 'dataset'):
            raise TypeError('MixedRatioBatchSampler: the sampler '
                            f'{type(sampler).__name__} has no `dataset`')
        self._base_sampler = base  # holds dataset, seed and epoch
        self._skip_batches = 0
        if int(batch_size) < 1:
            raise ValueError('MixedRatioBatchSampler: batch_size must be >= 1'
                             f', got {batch_size}')
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.sizes = source_sizes(base.dataset)
        ratios = [float(r) for r in ratios]
        if len(ratios) != len(self.sizes) or min(ratios) < 0 or \
                sum(ratios) <= 0:
            raise ValueError(
                f'MixedRatioBatchSampler: ratios {ratios} must have one '
                f'non-negative entry per sub-dataset ({len(self.sizes)}, of '
                f'sizes {self.sizes}) and not all be zero')
        self.ratios = ratios
        self.quota = split_batch(self.batch_size, ratios)
        if not 0 <= epoch_source < len(self.sizes) or \
                self.quota[epoch_source] == 0:
            raise ValueError(
                f'MixedRatioBatchSampler: epoch_source={epoch_source} must '
                'name a sub-dataset with a positive quota; quotas per batch '
                f'are {self.quota}')
        for i, (q, n) in enumerate(zip(self.quota, self.sizes)):
            if q > 0 and n == 0:
                raise ValueError(f'MixedRatioBatchSampler: sub-dataset {i} is'
                                 f' empty but has a quota of {q} per batch')
        self.epoch_source = epoch_source
        self.drop_last = drop_last
        self._cum = np.cumsum([0] + self.sizes).tolist()

    def _split(self) -> List[List[int]]:
        """The sampler's indices of this epoch, per source, in order."""
        per_source: List[List[int]] = [[] for _ in self.sizes]
        for idx in self.sampler:
            per_source[bisect.bisect_right(self._cum, int(idx)) - 1].append(
                int(idx))
        return per_source

    def _cycled(self, indices: List[int], source: int) -> Iterator[int]:
        """``indices`` then reshuffled copies, forever."""
        seed = int(getattr(self._base_sampler, 'seed', 0) or 0)
        epoch = int(getattr(self._base_sampler, 'epoch', 0) or 0)
        yield from indices
        cycle = 1
        while True:
            rng = np.random.default_rng([seed, epoch, source, cycle])
            yield from (indices[i] for i in rng.permutation(len(indices)))
            cycle += 1

    def _num_batches(self, num_anchor: int) -> int:
        q = self.quota[self.epoch_source]
        full, rest = divmod(num_anchor, q)
        return full + (1 if rest and not self.drop_last else 0)

    def skip_next_batches(self, num_batches: int) -> None:
        """Make the next pass start after its first ``num_batches`` batches
        (indices only: nothing is loaded). ``ArchOptimizerHook`` uses it to
        resume an architecture split mid-pass."""
        if num_batches < 0:
            raise ValueError('MixedRatioBatchSampler: cannot skip '
                             f'{num_batches} batches')
        self._skip_batches = int(num_batches)

    def __iter__(self) -> Iterator[List[int]]:
        skip, self._skip_batches = self._skip_batches, 0
        for i, batch in enumerate(self._batches()):
            if i >= skip:
                yield batch

    def _batches(self) -> Iterator[List[int]]:
        per_source = self._split()
        anchor = per_source[self.epoch_source]
        q_anchor = self.quota[self.epoch_source]
        streams = {
            s: self._cycled(idx, s)
            for s, idx in enumerate(per_source)
            if s != self.epoch_source and self.quota[s] > 0
        }
        for s in streams:
            if not per_source[s]:
                raise ValueError(
                    f'MixedRatioBatchSampler: the sampler gave no index of '
                    f'sub-dataset {s} (quota {self.quota[s]})')
        for b in range(self._num_batches(len(anchor))):
            take = anchor[b * q_anchor:(b + 1) * q_anchor]
            batch = []
            for s, q in enumerate(self.quota):
                if s == self.epoch_source:
                    batch += take
                elif q > 0:
                    n = q if len(take) == q_anchor else int(
                        round(len(take) * q / q_anchor))
                    batch += [next(streams[s]) for _ in range(n)]
            yield batch

    def set_epoch(self, epoch: int) -> None:
        """Forward the epoch to the wrapped sampler (its shuffle seed)."""
        if hasattr(self.sampler, 'set_epoch'):
            self.sampler.set_epoch(epoch)

    def __len__(self) -> int:
        num_anchor = sum(1 for idx in self.sampler
                         if self._cum[self.epoch_source] <= int(idx) <
                         self._cum[self.epoch_source + 1])
        return self._num_batches(num_anchor)
