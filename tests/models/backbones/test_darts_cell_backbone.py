import pytest
import torch
from mmengine.runner import load_checkpoint, save_checkpoint
from mmpose.registry import MODELS

import mmposenas  # noqa: F401
from mmposenas.models.search import GenotypeError

CFG = dict(type='DartsCellBackbone', stem_channels=8, channels=4,
           num_cells=4, reduction_cells=(1, 3), num_nodes=3, op_set='darts')


def test_supernet_shapes_and_arch_parameters():
    net = MODELS.build(CFG)
    assert net.is_searchable
    assert [tuple(a.shape) for a in net.arch_parameters()] == [(9, 8), (9, 8)]
    names = [n for n, _ in net.named_parameters() if 'arch_params' in n]
    assert names == ['arch_params.alphas.normal', 'arch_params.alphas.reduce']
    (out, ) = net(torch.randn(2, 3, 32, 24))
    assert out.shape == (2, 16 * 3, 4, 3)  # stem /2, two reductions
    assert net.out_channels == [48]


def test_fixed_network_from_derived_genotype_has_no_alpha(tmp_path):
    supernet = MODELS.build(CFG)
    genotype = supernet.derive_genotype()
    path = str(tmp_path / 'genotype.json')
    genotype.save(path)
    fixed = MODELS.build(dict(CFG, genotype=path))
    assert not fixed.is_searchable and fixed.arch_parameters() == []
    assert not any('arch_params' in n for n, _ in fixed.named_parameters())
    fixed.eval()
    x = torch.randn(1, 3, 32, 24)
    ref = fixed(x)[0]
    # its checkpoint loads into a freshly built fixed network (no supernet)
    save_checkpoint(fixed.state_dict(), str(tmp_path / 'fixed.pth'))
    again = MODELS.build(dict(CFG, genotype=path)).eval()
    load_checkpoint(again, str(tmp_path / 'fixed.pth'), strict=True)
    assert torch.equal(again(x)[0], ref)
    assert sum(p.numel() for p in fixed.parameters()) < sum(
        p.numel() for p in supernet.parameters())


def test_genotype_missing_a_cell_type_is_rejected(tmp_path):
    genotype = MODELS.build(CFG).derive_genotype()
    del genotype.cells['reduce']
    with pytest.raises(GenotypeError, match="missing cell type"):
        MODELS.build(dict(CFG, genotype=genotype.to_dict()))


@pytest.mark.parametrize('sampling', ['gumbel', 'gumbel_hard'])
def test_gumbel_supernet_trains_alpha(sampling):
    net = MODELS.build(dict(CFG, sampling=sampling, tau=1.0))
    net(torch.randn(2, 3, 16, 16))[0].mean().backward()
    assert all(a.grad is not None and a.grad.abs().sum() > 0
               for a in net.arch_parameters())
