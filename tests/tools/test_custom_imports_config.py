"""A config of another MMPose project: mmpose:: bases + custom_imports."""
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS

from mmposenas.models.search import searchable_modules
from tools_test_utils import REPO

CONFIG = (f'{REPO}/configs/examples/'
          'td-hm_darts-search-fo_8xb64-210e_coco-256x192.py')


def test_mmpose_base_config_with_plugin_builds():
    cfg = Config.fromfile(CONFIG)
    assert cfg.custom_imports['imports'] == ['mmposenas']
    # inherited from MMPose's own COCO config
    assert cfg.train_dataloader.dataset.type == 'CocoDataset'
    assert cfg.train_dataloader.dataset.data_root == 'data/coco/'
    assert cfg.val_evaluator.type == 'CocoMetric'
    assert cfg.custom_hooks[1].arch_dataloader.dataset.type == 'CocoDataset'
    init_default_scope('mmpose')
    model = MODELS.build(cfg.model)
    (net, ) = searchable_modules(model)
    assert type(net).__name__ == 'DartsCellBackbone'
    model.eval()
    with torch.no_grad():
        heatmaps = model._forward(torch.randn(1, 3, 64, 48))
    # stride 4 like MMPose's ResNet head: 64x48 input -> 16x12 heatmaps
    assert heatmaps.shape == (1, 17, 16, 12)
