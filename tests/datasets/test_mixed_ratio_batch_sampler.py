"""MixedRatioBatchSampler: per-batch ratio, epochs, determinism, wiring."""
import numpy as np
import pytest
from mmengine.dataset import DefaultSampler
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from torch.utils.data import ConcatDataset

import mmposenas  # noqa: F401
from mmposenas.datasets import MixedRatioBatchSampler
from mmposenas.datasets.samplers import split_batch


def _sampler(sizes, ratios, batch_size=32, seed=0, **kwargs):
    dataset = ConcatDataset([list(range(n)) for n in sizes])
    inner = DefaultSampler(dataset, shuffle=True, seed=seed)
    return MixedRatioBatchSampler(inner, batch_size, ratios, **kwargs)


def _source(idx, sizes):
    return np.searchsorted(np.cumsum(sizes), idx, side='right')


@pytest.mark.parametrize('ratios, share', [((1, 1), 0.5), ((3, 1), 0.75),
                                           ((1, 2), 1 / 3)])
def test_ratio_holds_over_an_epoch(ratios, share):
    sizes = [1000, 300]
    sampler = _sampler(sizes, ratios)
    batches = list(sampler)
    assert len(batches) == len(sampler)
    flat = np.concatenate(batches)
    first = (_source(flat, sizes) == 0).mean()
    assert abs(first - share) < 0.02
    # one epoch = every index of source 0 exactly once
    firsts = np.sort(flat[_source(flat, sizes) == 0])
    np.testing.assert_array_equal(firsts, np.arange(1000))
    # every full batch has the same split
    quota = split_batch(32, ratios)
    for b in batches[:-1]:
        assert len(b) == 32
        assert np.bincount(_source(np.array(b), sizes),
                           minlength=2).tolist() == quota


def test_smaller_source_is_cycled_without_repeats_within_a_cycle():
    sizes = [1000, 100]
    flat = np.concatenate(list(_sampler(sizes, (1, 1))))
    second = flat[_source(flat, sizes) == 1]
    assert len(second) == 1000  # 1:1 -> 10 passes over the 100 samples
    for c in range(10):
        np.testing.assert_array_equal(np.sort(second[c * 100:(c + 1) * 100]),
                                      np.arange(1000, 1100))
    assert not np.array_equal(second[:100], second[100:200])  # reshuffled


def test_deterministic_per_epoch_and_different_across_epochs():
    a, b = _sampler([200, 50], (1, 1)), _sampler([200, 50], (1, 1))
    assert list(a) == list(b)
    epoch0 = list(a)
    a.set_epoch(1)
    assert list(a) != epoch0
    b.set_epoch(1)
    assert list(a) == list(b)


def test_last_batch_and_drop_last():
    # 4 + 5 samples, batch 9 at 1:1 -> quotas 5, 4: one batch of 4 + 3
    batches = list(_sampler([4, 5], (1, 1), batch_size=9))
    assert len(batches) == 1
    assert np.bincount(_source(np.array(batches[0]), [4, 5])).tolist() == [
        4, 3]
    assert list(_sampler([4, 5], (1, 1), batch_size=9, drop_last=True)) == []


def test_bad_arguments_fail_clearly():
    with pytest.raises(ValueError, match='non-negative'):
        _sampler([10, 10], (1, 1, 1))
    with pytest.raises(ValueError, match='positive quota'):
        _sampler([10, 10], (0, 1))
    with pytest.raises(TypeError, match='concatenated dataset'):
        MixedRatioBatchSampler(DefaultSampler(list(range(5))), 4)


def test_builds_from_the_sample_dataset_config():
    """The tiny dataset base (H36M 4 + MPII 5 samples) through MMEngine."""
    from mmengine.config import Config
    init_default_scope('mmpose')
    cfg = Config.fromfile(
        'configs/_base_/datasets/h36m_mpii_sample_volumetric_64x64.py')
    loader_cfg = cfg.train_dataloader.to_dict()
    loader_cfg['dataset']['pipeline'] = []
    loader = Runner.build_dataloader(loader_cfg, seed=0)
    assert isinstance(loader.batch_sampler, MixedRatioBatchSampler)
    assert len(loader) == 1
    batches = list(loader.batch_sampler)
    lens = loader.dataset.lens
    assert lens == [4, 5]
    sources = _source(np.array(batches[0]), lens)
    assert np.bincount(sources).tolist() == [4, 3]
    sample = loader.dataset.get_data_info(int(batches[0][0]))
    assert sample['keypoints_3d'].shape == (1, 18, 3)  # H36M first


def test_skip_next_batches_and_a_resumable_inner_sampler():
    from mmposenas.datasets import ResumableSampler
    dataset = ConcatDataset([list(range(100)), list(range(30))])
    inner = ResumableSampler(dataset, dict(type='DefaultSampler',
                                           shuffle=True), seed=3)
    sampler = MixedRatioBatchSampler(inner, 10, (1, 1))
    sampler.set_epoch(2)
    full = list(sampler)
    sampler.skip_next_batches(4)
    assert list(sampler) == full[4:]  # one pass skipped, then as before
    assert list(sampler) == full
    sampler.set_epoch(3)
    assert list(sampler) != full
