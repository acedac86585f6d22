"""benchmarks/supernet_step_cost.py runs (--quick) and prints its ratios."""
import importlib.util
import os.path as osp
import re

import pytest

from conftest import REPO


def test_supernet_step_cost_quick(capsys):
    spec = importlib.util.spec_from_file_location(
        'supernet_step_cost',
        osp.join(REPO, 'benchmarks', 'supernet_step_cost.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(['--quick'])
    out = capsys.readouterr().out
    assert 'batch 2, input 32x24, 1 thread(s), median of 1' in out
    rows = re.findall(r'^(softmax supernet|gumbel-hard supernet|'
                      r'fixed network)\s+([0-9.]+)\s+([0-9.]+)$', out,
                      flags=re.M)
    assert [r[0] for r in rows] == ['softmax supernet', 'gumbel-hard supernet',
                                    'fixed network']
    base = float(rows[0][1])
    assert base > 0 and rows[0][2] == '1.00'
    for _, seconds, ratio in rows:
        # each ratio is its time over the softmax supernet's (4 decimals)
        assert float(ratio) == pytest.approx(float(seconds) / base, abs=0.01)
