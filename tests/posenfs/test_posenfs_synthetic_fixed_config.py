"""The PoseNFS proxy-figure retrain config: the sync search's network fixed
to a derived genotype, plain Adam on the weights, no search hooks."""
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS

import mmposenas  # noqa: F401
from conftest import REPO
from mmposenas.models.search.arch import arch_parameters

C = f'{REPO}/configs/posenfs'
SEARCH = f'{C}/td-vip_pnfs-tiny-sync_1xb32-10e_synthetic-figures-64x64.py'
FIXED = f'{C}/td-vip_pnfs-tiny-fixed_1xb32-10e_synthetic-figures-64x64.py'


def test_fixed_config_retrains_the_derived_fabric(tmp_path):
    init_default_scope('mmpose')
    search, fixed = Config.fromfile(SEARCH), Config.fromfile(FIXED)
    torch.manual_seed(0)
    supernet = MODELS.build(search.model)
    supernet.backbone.arch_params.reset_random(5)
    path = str(tmp_path / 'genotype.json')
    supernet.backbone.derive_genotype().save(path)

    fixed.model.backbone.genotype = path
    net = MODELS.build(fixed.model)
    assert arch_parameters(net) == []  # nothing left to search
    assert net.backbone.derive_genotype().to_dict() == \
        supernet.backbone.derive_genotype().to_dict()
    # fewer weights than the supernet: only the derived ops are built
    n_fixed = sum(p.numel() for p in net.parameters())
    n_super = sum(p.numel() for p in supernet.parameters()
                  if p.requires_grad)
    assert 0 < n_fixed < n_super
    net.eval()
    with torch.no_grad():
        out = net._forward(torch.randn(2, 3, 64, 64))
    assert out.shape == (2, 17, 16, 16) and torch.isfinite(out).all()

    # training settings of a retrain, the data of the search
    assert fixed.optim_wrapper == dict(
        type='OptimWrapper',
        optimizer=dict(type='Adam', lr=2e-3, weight_decay=0.))
    assert [h['type'] for h in fixed.custom_hooks] == ['SyncBuffersHook']
    assert fixed.train_dataloader == search.train_dataloader
    assert fixed.model.head == search.model.head
