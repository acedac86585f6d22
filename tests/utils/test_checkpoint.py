"""MMEngine checkpoints load with weights_only=True; other globals do not."""
import os
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer

import mmposenas  # noqa: F401  (registers the safe globals)


def test_mmengine_meta_objects_load_with_weights_only(tmp_path):
    buf = HistoryBuffer()
    buf.update(1.5)
    ckpt = dict(meta=dict(dataset_meta=dict(
        flip_indices=[0, 2, 1], sigmas=np.array([0.1, 0.2], np.float32),
        colors=np.zeros((3, 3), np.uint8), empty=np.array([])),
        seed=np.int64(3)),
        message_hub=dict(log_scalars={'train/loss': buf}),
        state_dict={'w': torch.ones(2)})
    path = tmp_path / 'ckpt.pth'
    torch.save(ckpt, path)
    loaded = torch.load(path, weights_only=True)
    assert np.array_equal(loaded['meta']['dataset_meta']['sigmas'],
                          ckpt['meta']['dataset_meta']['sigmas'])
    assert loaded['message_hub']['log_scalars']['train/loss'].current() == 1.5


class Evil:

    def __reduce__(self):
        return (os.system, ('true', ))


def test_protection_stays_on_for_other_globals(tmp_path):
    path = tmp_path / 'evil.pth'
    with open(path, 'wb') as f:
        pickle.dump({'x': Evil()}, f)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)


def test_real_checkpoint_with_statistics_methods_loads(tmp_path):
    buf = HistoryBuffer()
    buf.update(2.0)
    state = buf.__getstate__()
    assert 'statistics_methods' in state  # pickled via getattr(HistoryBuffer)
    torch.save({'buf': buf}, tmp_path / 'c.pth')
    assert torch.load(tmp_path / 'c.pth')['buf'].mean() == 2.0


class GetattrEvil:

    def __reduce__(self):
        return (getattr, (np.ndarray, 'tofile'))


def test_getattr_is_restricted_to_history_buffer(tmp_path):
    path = tmp_path / 'evil_getattr.pth'
    torch.save({'x': GetattrEvil()}, path)
    with pytest.raises(pickle.UnpicklingError, match='only HistoryBuffer'):
        torch.load(path, weights_only=True)
