"""Let MMEngine checkpoints load with ``torch.load(weights_only=True)``.

torch >= 2.6 loads with ``weights_only=True`` by default and MMEngine 0.10.7
does not pass the argument, so ``--resume`` and ``load_from`` fail on the few
non-tensor objects an MMEngine checkpoint holds in ``meta`` and
``message_hub``: numpy arrays, scalars and dtypes (dataset meta, runtime info;
empty arrays pickle their data as ``bytes()``), MMEngine's ``HistoryBuffer``,
and the ``HistoryBuffer`` statistics methods, which pickle as
``getattr(HistoryBuffer, 'min')``.

Instead of turning the protection off, this module allow-lists exactly those
objects with ``torch.serialization.add_safe_globals``. ``getattr`` itself is
*not* allowed: the pickle's ``builtins.getattr`` resolves to
:func:`history_buffer_getattr`, which only returns the statistics methods of
``HistoryBuffer`` and refuses anything else. Any other global is still refused
by torch's restricted unpickler.
"""
from typing import Any, List

import numpy as np
import torch

#: Statistics methods every HistoryBuffer registers (and pickles).
DEFAULT_STATISTICS = ('min', 'max', 'current', 'mean')


def history_buffer_getattr(obj: Any, name: str) -> Any:
    """``getattr`` restricted to ``HistoryBuffer``'s statistics methods."""
    from mmengine.logging.history_buffer import HistoryBuffer

    allowed = set(DEFAULT_STATISTICS) | set(HistoryBuffer._statistics_methods)
    if obj is HistoryBuffer and name in allowed:
        return getattr(HistoryBuffer, name)
    raise pickle_error(f'checkpoint asks for getattr({obj!r}, {name!r}); only '
                       f'HistoryBuffer statistics methods are allowed')


def pickle_error(message: str) -> Exception:
    import pickle
    return pickle.UnpicklingError(message)


def checkpoint_safe_globals() -> List[object]:
    """The globals MMEngine/MMPose checkpoints need (torch's format)."""
    from mmengine.logging.history_buffer import HistoryBuffer

    try:  # numpy >= 2
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # numpy 1.x
        from numpy.core.multiarray import _reconstruct, scalar
    dtype_classes = [type(np.dtype(t)) for t in (
        np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16,
        np.uint32, np.uint64, np.float16, np.float32, np.float64, np.str_)]
    return [
        HistoryBuffer, _reconstruct, scalar, np.ndarray, np.dtype, bytes,
        *dtype_classes, (history_buffer_getattr, 'builtins.getattr')
    ]


def register_checkpoint_safe_globals() -> None:
    """Allow-list :func:`checkpoint_safe_globals` for ``weights_only`` loads."""
    add = getattr(torch.serialization, 'add_safe_globals', None)
    if add is not None:  # torch >= 2.4
        add(checkpoint_safe_globals())
