"""A config of another MMPose project: mmpose:: bases + custom_imports."""
import os
import subprocess
import sys

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS

from mmposenas.models.backbones import DartsCellBackbone
from mmposenas.models.search import searchable_modules
from tools_test_utils import REPO

CONFIG = (f'{REPO}/configs/examples/'
          'td-hm_darts-search-fo_8xb64-210e_coco-256x192.py')

# Run in a fresh interpreter that never imports mmposenas itself: only the
# config's custom_imports (handled by MMEngine's Config.fromfile) can register
# DartsCellBackbone there.
CHILD = r'''
import sys
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS
assert 'mmposenas' not in sys.modules
init_default_scope('mmpose')
try:
    MODELS.build(Config.fromfile(sys.argv[1],
                                 import_custom_modules=False).model)
except KeyError as err:
    print('WITHOUT_IMPORTS:', err)
cfg = Config.fromfile(sys.argv[1])
assert 'mmposenas' in sys.modules, 'custom_imports did not import mmposenas'
model = MODELS.build(cfg.model)
model.load_state_dict(torch.load(sys.argv[2], weights_only=True))
model.eval()
with torch.no_grad():
    torch.save(model._forward(torch.load(sys.argv[3])), sys.argv[4])
'''


def _model():
    cfg = Config.fromfile(CONFIG)
    init_default_scope('mmpose')
    torch.manual_seed(0)
    return cfg, MODELS.build(cfg.model).eval()


def test_mmpose_base_config_with_plugin_builds():
    cfg, model = _model()
    assert cfg.custom_imports['imports'] == ['mmposenas']
    # inherited from MMPose's own COCO config
    assert cfg.train_dataloader.dataset.type == 'CocoDataset'
    assert cfg.train_dataloader.dataset.data_root == 'data/coco/'
    assert cfg.val_evaluator.type == 'CocoMetric'
    assert cfg.custom_hooks[1].arch_dataloader.dataset.type == 'CocoDataset'
    (net, ) = searchable_modules(model)
    assert type(net).__name__ == 'DartsCellBackbone'
    # the head keeps MMPose's HeatmapHead with the overridden deconv
    deconv = model.head.deconv_layers[0]
    assert (deconv.in_channels, deconv.out_channels,
            deconv.kernel_size) == (256, 128, (4, 4))
    x = torch.randn(1, 3, 64, 48)
    with torch.no_grad():
        heatmaps = model._forward(x)
        # stride 4 like MMPose's ResNet head: 64x48 input -> 16x12 heatmaps
        assert heatmaps.shape == (1, 17, 16, 12)
        # the estimator's forward is the plain backbone -> head composition
        # of a DartsCellBackbone built directly from the config's arguments
        kwargs = {k: v for k, v in cfg.model.backbone.items() if k != 'type'}
        direct = DartsCellBackbone(**kwargs).eval()
        direct.load_state_dict(model.backbone.state_dict())
        torch.testing.assert_close(heatmaps, model.head(direct(x)),
                                   rtol=0, atol=0)
    assert heatmaps.std() > 0


def test_custom_imports_alone_register_the_plugin(tmp_path):
    _, model = _model()
    x = torch.randn(1, 3, 64, 48)
    with torch.no_grad():
        expected = model._forward(x)
    torch.save(model.state_dict(), tmp_path / 'state.pth')
    torch.save(x, tmp_path / 'x.pth')
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1')
    proc = subprocess.run(
        [sys.executable, '-c', CHILD, CONFIG, str(tmp_path / 'state.pth'),
         str(tmp_path / 'x.pth'), str(tmp_path / 'out.pth')],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    # without custom_imports the plugin's backbone is unknown to MMPose
    assert 'WITHOUT_IMPORTS:' in proc.stdout
    assert 'DartsCellBackbone' in proc.stdout
    # with them, the same network: identical heatmaps from the same weights
    torch.testing.assert_close(torch.load(tmp_path / 'out.pth'), expected,
                               rtol=0, atol=0)
