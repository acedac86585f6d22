import json

import pytest
from mmengine.runner import Runner

from mmposenas.models.search import Genotype
from test_arch_optimizer_hook import search_cfg


def test_genotype_and_history_written_each_epoch(tmp_path):
    runner = Runner.from_cfg(search_cfg(tmp_path))
    runner.train()
    text = (tmp_path / 'genotype_history.json').read_text()
    history = json.loads(text)
    # one value per line, so that histories diff line by line
    assert text == json.dumps(history, indent=1) + '\n'
    assert [h['epoch'] for h in history] == [1, 2]
    assert set(history[-1]['entropy']) == {'normal', 'reduce'}
    final = Genotype.load(str(tmp_path / 'genotype.json'))
    assert final == Genotype.from_dict(history[-1]['genotype'])
    assert final == runner.model.backbone.derive_genotype()
    assert not list(tmp_path.glob('.*.tmp'))
    log = next(tmp_path.glob('*/*.log')).read_text()
    assert 'arch_entropy_normal' in log
    assert 'genotype.json' in log


def test_hook_refuses_a_model_without_alpha(tmp_path):
    cfg = search_cfg(tmp_path)
    cfg.custom_hooks = [dict(type='GenotypeExportHook')]
    cfg.model.backbone.genotype = dict(
        cells={t: dict(nodes=[[['skip_connect', 0]]] * 3, concat=[2, 3, 4])
               for t in ('normal', 'reduce')})
    cfg.optim_wrapper = dict(type='OptimWrapper',
                             optimizer=dict(type='Adam', lr=1e-3))
    with pytest.raises(RuntimeError, match='exactly one searchable module'):
        Runner.from_cfg(cfg).train()


def test_draw_interval_writes_pictures(tmp_path):
    cfg = search_cfg(tmp_path)
    assert cfg.custom_hooks[2].type == 'GenotypeExportHook'
    cfg.custom_hooks[2].draw_interval = 2
    runner = Runner.from_cfg(cfg)
    runner.train()
    drawn = tmp_path / 'genotype_vis'
    assert sorted(p.name for p in drawn.iterdir()) == ['epoch_2']
    pngs = sorted(p.name for p in (drawn / 'epoch_2').iterdir())
    assert pngs == ['arch_entropy.png', 'cell_normal.png', 'cell_reduce.png']
    assert all((drawn / 'epoch_2' / p).stat().st_size > 1000 for p in pngs)
    with pytest.raises(ValueError, match='draw_interval'):
        cfg.custom_hooks[2].draw_interval = 0
        Runner.from_cfg(cfg)
    from mmposenas.engine.hooks import GenotypeExportHook
    assert GenotypeExportHook(draw_interval=1).draw_interval == 1  # the bound
    with pytest.raises(ValueError) as err:
        GenotypeExportHook(draw_interval=0)
    assert str(err.value) == ('GenotypeExportHook: draw_interval must be >= '
                              '1 or None, got 0')


def test_draw_labels_part_groups_with_the_model_joint_names(tmp_path):
    """The pictures name each body-part node's joints from the model meta."""
    from mmposenas.engine.hooks import GenotypeExportHook
    from mmposenas.models.search import CellGenotype
    from mmposenas.visualization import draw_cell

    runner = Runner.from_cfg(search_cfg(tmp_path))
    names = ['nose', 'left_eye', 'right_eye']
    runner.model.dataset_meta = dict(
        keypoint_id2name=dict(enumerate(names)))
    fusion = CellGenotype(
        nodes=[[('skip_connect', 0), ('max_pool_3x3', 1)],
               [('skip_connect', 2), ('avg_pool_3x3', 0)]],
        concat=[2, 3], extras=dict(node_groups=[[2, 0], [1]]))
    genotype = Genotype(cells=dict(fusion=fusion))
    hook = next(h for h in runner.hooks
                if isinstance(h, GenotypeExportHook))
    written = hook.draw(runner, genotype, epoch=3, iteration=7)
    picture = tmp_path / 'genotype_vis' / 'epoch_3' / 'cell_fusion.png'
    assert written == [str(picture)]
    engine = draw_cell(fusion, str(tmp_path / 'named.png'), 'fusion cell',
                       names)
    draw_cell(fusion, str(tmp_path / 'numbered.png'), 'fusion cell', None,
              engine)
    named = (tmp_path / 'named.png').read_bytes()
    assert named != (tmp_path / 'numbered.png').read_bytes()
    assert picture.read_bytes() == named
    # iteration-based export hooks name the folder after the iteration
    hook.by_epoch = False
    assert hook.draw(runner, genotype, epoch=3, iteration=7) == [
        str(tmp_path / 'genotype_vis' / 'iter_7' / 'cell_fusion.png')]


def test_export_by_iteration_history_off_and_resumed_history(tmp_path):
    from mmposenas.engine.hooks import GenotypeExportHook
    with pytest.raises(ValueError, match='interval must be >= 1, got 0'):
        GenotypeExportHook(interval=0)
    # by iteration: every 3 of the 4 iterations, and the last one at the end
    cfg = search_cfg(tmp_path / 'iters')
    cfg.custom_hooks[2].update(by_epoch=False, interval=3)
    Runner.from_cfg(cfg).train()
    history = json.loads(
        (tmp_path / 'iters' / 'genotype_history.json').read_text())
    assert [(h['epoch'], h['iter']) for h in history] == [(1, 3), (2, 4)]
    # no history file, still the genotype
    cfg = search_cfg(tmp_path / 'nohist')
    cfg.custom_hooks[2].history_file = None
    Runner.from_cfg(cfg).train()
    assert (tmp_path / 'nohist' / 'genotype.json').is_file()
    assert not (tmp_path / 'nohist' / 'genotype_history.json').exists()
    # resumed: the history up to the checkpoint is kept, later entries of
    # an abandoned run are dropped
    work = tmp_path / 'resume'
    Runner.from_cfg(search_cfg(work)).train()
    path = work / 'genotype_history.json'
    history = json.loads(path.read_text())
    stale = dict(history[-1], iter=99, epoch=50)
    path.write_text(json.dumps(history + [stale]))
    cfg = search_cfg(work)
    cfg.train_cfg.max_epochs = 3
    cfg.resume = True
    Runner.from_cfg(cfg).train()
    resumed = json.loads(path.read_text())
    assert [h['epoch'] for h in resumed] == [1, 2, 3]
    assert resumed[:2] == history
