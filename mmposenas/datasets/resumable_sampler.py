"""A sampler wrapper that can start its next pass part-way through."""
import itertools
from typing import Iterator, Optional

from mmpose.registry import DATA_SAMPLERS
from torch.utils.data import Sampler


@DATA_SAMPLERS.register_module()
class ResumableSampler(Sampler):
    """Wrap any sampler so that its next pass can skip the first indices.

    Resuming a data stream mid-epoch by drawing and discarding batches would
    load images and run random augmentations (changing the random state);
    skipping at the index level costs nothing. ``ArchOptimizerHook`` wraps the
    sampler of its architecture split with this class so a resumed search
    continues at the same batch of the same shuffle order.

    Args:
        dataset: The dataset (passed on to the inner sampler).
        sampler (dict): Config of the inner sampler, e.g.
            ``dict(type='DefaultSampler', shuffle=True)``.
        seed (int, optional): Seed passed on to the inner sampler.
    """

    def __init__(self, dataset, sampler: dict,
                 seed: Optional[int] = None) -> None:
        self.sampler = DATA_SAMPLERS.build(
            sampler, default_args=dict(dataset=dataset, seed=seed))
        self._skip = 0

    def skip_next(self, num_indices: int) -> None:
        """Make the next pass start after its first ``num_indices`` indices."""
        if num_indices < 0:
            raise ValueError(f'ResumableSampler: cannot skip {num_indices} '
                             f'indices')
        self._skip = int(num_indices)

    def set_epoch(self, epoch: int) -> None:
        """Forward the epoch (shuffle order) to the inner sampler."""
        if hasattr(self.sampler, 'set_epoch'):
            self.sampler.set_epoch(epoch)

    def __iter__(self) -> Iterator[int]:
        skip, self._skip = self._skip, 0
        return itertools.islice(iter(self.sampler), skip, None)

    def __len__(self) -> int:
        return len(self.sampler)
