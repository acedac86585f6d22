"""`import mmposenas` registers everything into MMPose's own registries."""
import subprocess
import sys

from mmpose import registry

import mmposenas  # noqa: F401

EXPECTED = {
    registry.MODELS: ['DartsCellBackbone'],
    registry.HOOKS: [
        'ArchOptimizerHook', 'GenotypeExportHook', 'ArchTemperatureHook'
    ],
    registry.OPTIM_WRAPPER_CONSTRUCTORS: ['NASOptimWrapperConstructor'],
}


def test_modules_are_in_mmpose_registries():
    for reg, names in EXPECTED.items():
        for name in names:
            assert reg.get(name) is not None, (reg.name, name)
            assert reg.get(name).__module__.startswith('mmposenas.')


def test_hook_builds_by_name_from_the_registry():
    hook = registry.HOOKS.build(
        dict(type='ArchOptimizerHook', mode='random', seed=1))
    assert type(hook).__name__ == 'ArchOptimizerHook'


def test_custom_imports_make_modules_buildable_in_a_fresh_process(tmp_path):
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(
        "custom_imports = dict(imports=['mmposenas'], "
        "allow_failed_imports=False)\n"
        "backbone = dict(type='DartsCellBackbone', num_cells=2, "
        "reduction_cells=(1,))\n")
    code = (
        'from mmengine.config import Config\n'
        'from mmpose.registry import MODELS\n'
        f'cfg = Config.fromfile({str(cfg)!r})\n'
        'print(type(MODELS.build(cfg.backbone)).__name__)\n')
    out = subprocess.run([sys.executable, '-c', code], check=True,
                         capture_output=True, text=True)
    assert out.stdout.strip() == 'DartsCellBackbone'
