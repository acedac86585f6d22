"""tools/visualize_genotype.py on an AutoPose genotype: the branches per
module (paper Fig. 4) are drawn as the genotype says, stage vectors expanded
to their modules."""
import matplotlib.colors as mcolors
import matplotlib.image as mpimg
import pytest
import torch
from mmpose.registry import MODELS

import mmposenas  # noqa: F401
from mmposenas.visualization import genotype_plot, module_branches
from tools_test_utils import load_tool

vis = load_tool('tools/visualize_genotype.py')
STAGES = [[1, 0, 1, 1], [0, 0, 0, 0], [0, 1, 0, 1]]  # one vector per stage


def drawn_matrix(fig):
    """(M, B) 0/1 read back from the squares of the drawn figure."""
    cells = {}
    blue = mcolors.to_rgba('tab:blue')
    for coll in fig.axes[0].collections:
        for (x, y), face in zip(coll.get_offsets(), coll.get_facecolors()):
            cells[(int(round(x)), int(round(-y)))] = int(
                tuple(face) == pytest.approx(blue))
    modules = 1 + max(m for m, _ in cells)
    branches = 1 + max(b for _, b in cells)
    assert len(cells) == modules * branches  # one square per (m, b)
    return [[cells[(m, b)] for b in range(branches)] for m in range(modules)]


def test_autopose_branches_per_module_are_drawn(tmp_path, monkeypatch):
    torch.manual_seed(0)
    net = MODELS.build(dict(type='AutoPoseBackbone', stem_channels=4,
                            channels=(2, 2, 2, 2), num_stages=3,
                            modules_per_stage=2, branch_decisions='stage',
                            bottleneck_expansion=2))
    net.set_derived_branches(STAGES)
    path = tmp_path / 'genotype.json'
    net.derive_genotype().save(str(path))

    figures = []
    real = genotype_plot.draw_branches

    def spy(*args, **kwargs):
        figures.append(real(*args, **kwargs))
        return figures[-1]

    monkeypatch.setattr(genotype_plot, 'draw_branches', spy)
    written = vis.main([str(path), '--out-dir', str(tmp_path / 'png'),
                        '--engine', 'matplotlib'])
    names = sorted(p.rsplit('/', 1)[1] for p in written)
    assert names == ['branches.png', 'cell_aggregation.png',
                     'cell_individual.png']
    for png in written:
        image = mpimg.imread(png)
        assert image.shape[0] > 50 and image.std() > 0.01
    expected = [row for row in STAGES for _ in range(2)]  # 6 modules
    (fig, ) = figures
    assert drawn_matrix(fig) == expected
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ['4x', '8x', '16x', '32x']


def test_module_branches_expands_and_validates():
    extras = dict(branches=[[1, 0], [0, 1]], branch_decisions='stage',
                  modules_per_stage=3)
    assert module_branches(extras) == [[1, 0]] * 3 + [[0, 1]] * 3
    assert module_branches(dict(branches=[[1, 0], [0, 1]])) == [[1, 0],
                                                                [0, 1]]
    with pytest.raises(ValueError, match=r'extras.branches\[1\]\[0\]'):
        module_branches(dict(branches=[[1, 0], [2, 1]]))
