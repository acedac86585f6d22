"""`import mmposenas` registers everything into MMPose's own registries."""
import subprocess
import sys

from mmpose import registry

import mmposenas  # noqa: F401

from conftest import REPO

REGISTRIES = {
    'MODELS': registry.MODELS,
    'KEYPOINT_CODECS': registry.KEYPOINT_CODECS,
    'HOOKS': registry.HOOKS,
    'DATASETS': registry.DATASETS,
    'TRANSFORMS': registry.TRANSFORMS,
    'METRICS': registry.METRICS,
    'OPTIM_WRAPPER_CONSTRUCTORS': registry.OPTIM_WRAPPER_CONSTRUCTORS,
    'DATA_SAMPLERS': registry.DATA_SAMPLERS,
}


def documented_names():
    """(registry, name) rows of docs/registered_names.md."""
    rows = set()
    with open(f'{REPO}/docs/registered_names.md', encoding='utf-8') as f:
        for line in f:
            cells = [c.strip() for c in line.strip().strip('|').split('|')]
            if len(cells) == 3 and cells[0] in REGISTRIES:
                rows.add((cells[0], cells[1]))
    return rows


def registered_names():
    """(registry, name) of every mmposenas class in MMPose's registries."""
    return {(key, name)
            for key, reg in REGISTRIES.items()
            for name, cls in reg.module_dict.items()
            if cls.__module__.startswith('mmposenas.')}


def test_documented_names_are_exactly_the_registered_ones():
    assert documented_names() == registered_names()


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
