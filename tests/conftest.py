"""Shared test helpers: the repo root and configs of the tiny search."""
import os
import os.path as osp
import sys

# The test models are tiny: one intra-op thread is fastest, and avoids the
# heavy slow-down of OpenMP threads competing for the 2 cores of CI machines.
os.environ.setdefault('OMP_NUM_THREADS', '1')

import pytest  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(int(os.environ['OMP_NUM_THREADS']))

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
