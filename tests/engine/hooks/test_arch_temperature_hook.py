import math

import pytest
from mmengine.runner import Runner
from mmpose.registry import HOOKS

from test_arch_optimizer_hook import search_cfg


def test_schedules_go_from_max_to_min():
    exp = HOOKS.build(dict(type='ArchTemperatureHook', tau_max=10.0,
                           tau_min=0.1, schedule='exp'))
    lin = HOOKS.build(dict(type='ArchTemperatureHook', tau_max=10.0,
                           tau_min=0.1, schedule='linear'))
    assert exp.temperature(0) == pytest.approx(10.0)
    assert exp.temperature(1) == pytest.approx(0.1)
    assert exp.temperature(0.5) == pytest.approx(1.0)  # geometric mean
    assert lin.temperature(0.5) == pytest.approx(5.05)
    with pytest.raises(ValueError, match='tau_min <= tau_max'):
        HOOKS.build(dict(type='ArchTemperatureHook', tau_max=1, tau_min=2))


def test_hook_anneals_the_gumbel_supernet_in_a_runner(tmp_path):
    cfg = search_cfg(tmp_path)
    cfg.train_cfg.max_epochs = 3
    cfg.model.backbone.sampling = 'gumbel_hard'
    cfg.custom_hooks.append(
        dict(type='ArchTemperatureHook', tau_max=4.0, tau_min=1.0))
    runner = Runner.from_cfg(cfg)
    runner.train()
    # last epoch (progress 1) sets tau_min
    assert runner.model.backbone.arch_params.tau == pytest.approx(1.0)
    history = runner.message_hub.get_scalar('train/arch_tau')
    values = sorted(set(round(v, 6) for v in history.data[0]))
    assert values == [1.0, 2.0, 4.0]
    assert math.isclose(history.current(), 1.0)
