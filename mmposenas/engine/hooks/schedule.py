"""Scalar schedules over a run, shared by the search hooks."""
import math

from mmengine.runner import Runner

SCHEDULES = ('linear', 'exp', 'cosine')


def run_progress(runner: Runner, by_epoch: bool) -> float:
    """Progress in [0, 1] at the current epoch (or iteration).

    The first epoch (iteration) is 0 and the last is 1, so a schedule reaches
    its end value in the run's last epoch (iteration).
    """
    if by_epoch:
        total, done = max(runner.max_epochs - 1, 1), runner.epoch
    else:
        total, done = max(runner.max_iters - 1, 1), runner.iter
    return min(max(done / total, 0.0), 1.0)


def interpolate(start: float, end: float, progress: float,
                schedule: str = 'linear') -> float:
    """Value at ``progress`` in [0, 1] going from ``start`` to ``end``.

    ``'linear'``; ``'exp'`` (geometric, both ends > 0); ``'cosine'`` (half
    cosine, flat at both ends).
    """
    p = min(max(progress, 0.0), 1.0)
    if schedule == 'linear':
        return start + p * (end - start)
    if schedule == 'exp':
        if start <= 0 or end <= 0:
            raise ValueError(f'an exponential schedule needs positive ends, '
                             f'got {start}, {end}')
        return start * math.exp(p * math.log(end / start))
    if schedule == 'cosine':
        return end + (start - end) * 0.5 * (1 + math.cos(math.pi * p))
    raise ValueError(f'unknown schedule {schedule!r}; expected one of '
                     f'{SCHEDULES}')
