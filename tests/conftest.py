"""Shared test helpers: the repo root and configs of the tiny search."""
import os
import os.path as osp
import sys

# The test models are tiny: one intra-op thread is fastest, and avoids the
# heavy slow-down of OpenMP threads competing for the 2 cores of CI machines.
os.environ.setdefault('OMP_NUM_THREADS', '1')

import pytest  # noqa: E402
import torch  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

torch.set_num_threads(int(os.environ['OMP_NUM_THREADS']))

# Property-based tests (hypothesis): HYPOTHESIS_PROFILE picks the profile.
# 'ci' (default): few examples, derandomized (the same examples every run, so
# CI and mutation runs are reproducible), no example database; 'mutation': the
# same, a few more examples; 'dev': many random examples, with the database.
_SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile('ci', max_examples=15, deadline=None,
                          derandomize=True, database=None,
                          suppress_health_check=_SLOW)
settings.register_profile('mutation', max_examples=30, deadline=None,
                          derandomize=True, database=None,
                          suppress_health_check=_SLOW)
settings.register_profile('dev', max_examples=300, deadline=None,
                          suppress_health_check=_SLOW)
settings.load_profile(os.environ.get('HYPOTHESIS_PROFILE', 'ci'))

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
SEARCH_CFG = osp.join(
    REPO, 'configs/darts_pose/'
    'td-hm_darts-tiny-search-fo_1xb7-4e_coco-sample-64x48.py')
FIXED_CFG = osp.join(
    REPO, 'configs/darts_pose/td-hm_darts-tiny_1xb7-8e_coco-sample-64x48.py')


@pytest.fixture(autouse=True)
def _run_from_repo_root(monkeypatch):
    """Configs use repo-relative data paths, as tools/train.py users do."""
    monkeypatch.chdir(REPO)


def tool_cmd(tool, *args):
    """argv to run ``tools/<tool>`` with this interpreter."""
    return [sys.executable, osp.join(REPO, 'tools', tool), *map(str, args)]


def tool_env():
    env = dict(os.environ)
    env.setdefault('OMP_NUM_THREADS', '1')
    return env
