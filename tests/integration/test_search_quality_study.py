"""The pure parts of benchmarks/search_quality.py, with values.

Random-genotype sampling (parameter window, op space), the multiply-add
bisection of a hand-designed width, aggregation over seeds, the finding rule
and the markdown / PNG writers. No training.
"""
import importlib.util
import json
import os.path as osp

import pytest
import torch

from conftest import REPO
from mmposenas.models.backbones import DartsCellBackbone


def load_study():
    spec = importlib.util.spec_from_file_location(
        'search_quality_under_test',
        osp.join(REPO, 'benchmarks', 'search_quality.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sq = load_study()

TINY = dict(stem_channels=8, channels=4, num_cells=3, reduction_cells=(1, ),
            num_nodes=3, op_set='darts')


def fixed_params(genotype) -> int:
    net = DartsCellBackbone(genotype=genotype, **TINY)
    return sum(p.numel() for p in net.parameters())


def test_random_genotypes_respect_window_and_op_space():
    supernet = DartsCellBackbone(**TINY)
    supernet.arch_params.reset_random(777)
    reference = supernet.derive_genotype().to_dict()
    target = fixed_params(reference)
    picks = sq.sample_random_genotypes(supernet, fixed_params, target, 4,
                                       window=0.10, seed=3,
                                       exclude=[reference])
    assert len(picks) == 4
    keys = {json.dumps(p['genotype'], sort_keys=True) for p in picks}
    assert len(keys) == 4  # distinct
    assert json.dumps(reference, sort_keys=True) not in keys
    for p in picks:
        # recounted independently: within 10 % of the target
        params = fixed_params(p['genotype'])
        assert params == p['params']
        assert abs(params - target) <= 0.10 * target
        assert p['tries'] >= 1
        for cell in p['genotype']['cells'].values():
            for node in cell['nodes']:
                assert len(node) == 2  # top-2 predecessors, as the rule
                for op, src in node:
                    assert op in supernet.op_names and op != 'none'
        # the recorded α seed reproduces the genotype
        tilt = sq.draw_random_alpha(supernet, p['seed'])
        assert tilt == p['tilt'] and abs(tilt) <= sq.TILT
        assert supernet.derive_genotype().to_dict() == p['genotype']
    # tries are counted per pick: they add up to the last seed used
    assert sum(p['tries'] for p in picks) == picks[-1]['seed'] - 3 * 100003 \
        + 1


def test_random_genotypes_give_up_with_a_clear_error():
    supernet = DartsCellBackbone(**TINY)
    with pytest.raises(RuntimeError, match=r'only 0 of 2 within 10% of 5 '):
        sq.sample_random_genotypes(supernet, lambda g: 10**6, 5, 2,
                                   max_tries=3)


def test_bisection_on_a_known_curve():
    f, macs, evals = sq.bisect_scale(lambda f: 1000 * f * f, 250, 0.1, 4.0)
    assert f == pytest.approx(0.5, rel=0.01)
    assert macs == pytest.approx(250, rel=0.02)
    assert len(evals) <= 20
    # a step function whose steps skip the window is refused, with numbers
    with pytest.raises(ValueError, match='not within 15%'):
        sq.bisect_scale(lambda f: 100 if f < 1 else 400, 200, 0.1, 4.0)


def test_bisection_hits_the_mac_window_for_a_resnet_width():
    sched = sq.Schedule(1, 1, 64, 32)
    row = sq.Row('darts-fo', '2d', 'searched', 'x', search={})
    template = sq.retrain_config(row, '/nonexistent', sched,
                                 genotype='x')['model']
    target = 30e6
    f, macs, _ = sq.bisect_scale(sq.hand_macs_of(template, 'resnet'),
                                 target, 0.25, 4.0)
    assert abs(macs - target) <= 0.15 * target
    backbone, head = sq.hand_model_cfg(template, 'resnet', f)
    assert backbone['base_channels'] == round(16 * f)
    # ResNet stride 16 -> two deconvs to the 16x16 heatmap
    assert head['deconv_out_channels'] == (16, 16)
    model_cfg = dict(template, backbone=backbone)
    model_cfg['head'] = dict(template['head'], **head)
    model = sq.build_model(model_cfg)
    assert sq.model_macs(model) == macs  # the reported MACs are the model's
    out = model._forward(torch.zeros(1, 3, 64, 64))
    assert tuple(out.shape) == (1, 17, 16, 16)


def results():
    """Hand-made per-(row, seed) results: AP of 3 seeds per row."""
    rows = {'darts-fo': ('searched', [0.50, 0.52, 0.54]),
            'darts-random-1': ('random', [0.40, 0.42, 0.44]),
            'darts-random-2': ('random', [0.46, 0.46, 0.46])}
    out = []
    for name, (group, aps) in rows.items():
        for seed, ap in enumerate(aps):
            out.append(dict(row=name, seed=seed, chain='2d', group=group,
                            label=name.upper(), metrics={'coco/AP': ap},
                            params=123456, macs=7.5e6, latency_ms=1.25,
                            note=''))
    return out


def test_aggregation_and_finding(tmp_path):
    for r in results():  # round trip through the cached JSON files
        sq.write_json(str(tmp_path / r['row'] / f'seed{r["seed"]}.json'), r)
    loaded = [json.loads(p.read_text()) for p in tmp_path.glob('*/*.json')]
    agg = sq.aggregate(loaded)
    assert agg['darts-fo']['n'] == 3 and agg['darts-fo']['seeds'] == [0, 1, 2]
    assert agg['darts-fo']['mean']['coco/AP'] == pytest.approx(0.52)
    assert agg['darts-fo']['std']['coco/AP'] == pytest.approx(0.02)
    assert agg['darts-random-2']['std']['coco/AP'] == pytest.approx(0.0)
    text = sq.finding(agg, '2d', 'darts-fo')
    # random mean (0.42 + 0.46) / 2 = 0.44, gain 0.08; spread: RMS of
    # (0.02, 0.02, 0) = 0.01633 -> beats
    assert 'random genotypes 0.44 (gain +0.08)' in text
    assert 'std (RMS over 3 rows) 0.01633' in text
    assert 'the searched network beats random' in text
    # a searched row inside the spread does not beat random
    for r in loaded:
        if r['row'] == 'darts-fo':
            r['metrics']['coco/AP'] -= 0.07
    text = sq.finding(sq.aggregate(loaded), '2d', 'darts-fo')
    assert 'gain +0.01' in text and 'does NOT beat' in text
    # one seed: no spread, no conclusion
    one = sq.aggregate([r for r in loaded if r['seed'] == 0])
    assert one['darts-fo']['std']['coco/AP'] is None
    assert 'no conclusion' in sq.finding(one, '2d', 'darts-fo')


def test_finding_3d_lower_is_better():
    res = []
    for name, group, vals in (('pa-fo', 'searched', [100, 102]),
                              ('pa-random-1', 'random', [110, 112])):
        for seed, v in enumerate(vals):
            res.append(dict(row=name, seed=seed, chain='3d', group=group,
                            label=name, metrics={'MPJPE': v,
                                                 'PA-MPJPE': v / 2},
                            params=1, macs=1, latency_ms=1, note=''))
    text = sq.finding(sq.aggregate(res), '3d', 'pa-fo')
    assert 'gain +10' in text and 'beats random' in text


def test_markdown_and_png_writers(tmp_path):
    agg = sq.aggregate(results())
    rows = sq.default_rows(2)
    table = sq.markdown_table(agg, rows, '2d')
    lines = table.strip().split('\n')
    assert lines[0].startswith('| row | group | seeds | COCO AP |')
    assert len(lines) == 2 + 3  # header, rule, three rows in row order
    assert lines[2].startswith('| darts-fo: DARTS-FO | searched | 3 | '
                               '0.520 ± 0.020 | 0.123 | 7.5 | 1.25 |')
    assert '| darts-random-2: DARTS-RANDOM-2 | random | 3 | 0.460 ± 0.000' \
        in lines[4]
    png = tmp_path / 'plot.png'
    sq.write_plot(agg, str(png))
    assert png.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    assert png.stat().st_size > 5000
    md = sq.report_markdown(agg, rows, 'CMD --x', 'plot.png', 'Header.\n')
    assert 'CMD --x' in md and table in md and '](plot.png)' in md
    doc = sq.replace_between_markers('# T\n\nintro\n', md)
    again = sq.replace_between_markers(doc, 'new body')
    assert again.startswith('# T\n\nintro\n') and 'new body' in again
    assert md not in again and again.count(sq.BEGIN) == 1


def test_unknown_rows_are_refused():
    with pytest.raises(ValueError, match=r"unknown row\(s\) \['nope'\]"):
        sq.select_rows(sq.default_rows(), ['darts-fo', 'nope'])


def test_a_work_dir_is_not_resumed_under_another_schedule(tmp_path):
    path = str(tmp_path / 'schedule.json')
    sched = sq.Schedule(3, 6, 640, 256)
    sq.check_schedule(path, sched, '/data/a')
    sq.check_schedule(path, sq.Schedule(3, 6, 640, 256), '/data/a')  # same
    with pytest.raises(ValueError, match="'retrain_epochs': 6.*"
                       "'retrain_epochs': 7"):
        sq.check_schedule(path, sq.Schedule(3, 7, 640, 256), '/data/a')
    with pytest.raises(ValueError, match='use another --work-dir'):
        sq.check_schedule(path, sched, '/data/b')


def test_schedule_flags_override_the_default_schedule():
    sched = sq.schedule_of(sq.parse_args(
        ['--batch', '8', '--lr', '1e-3', '--retrain-epochs', '2']))
    assert (sched.batch, sched.lr, sched.retrain_epochs) == (8, 1e-3, 2)
    assert sched.search_epochs == sq.FULL.search_epochs
    default = sq.schedule_of(sq.parse_args([]))
    assert default == sq.FULL and default is not sq.FULL
    assert sq.schedule_of(sq.parse_args(['--quick'])) == sq.QUICK


def test_op_summary_counts_parameter_free_edges_per_cell():
    genotype = {'cells': {
        'normal': {'nodes': [[['max_pool_3x3', 0], ['skip_connect', 1]],
                             [['sep_conv_3x3', 0], ['max_pool_3x3', 2]]]},
        'reduce': {'nodes': [[['dil_conv_3x3', 0], ['sep_conv_5x5', 1]]]}}}
    assert sq.op_summary(genotype) == (
        'normal 3/4 param-free (max_pool_3x3 2, skip_connect 1); '
        'reduce 0/2 param-free')
    rows = [sq.Row('a', '2d', 'searched', 'A'),
            sq.Row('b', '2d', 'random', 'B')]
    table = sq.derived_cells_markdown(rows, {'b': genotype})
    assert table.splitlines()[2].startswith('| b | normal 3/4')
    assert len(table.splitlines()) == 3  # row a has no genotype


def test_the_tilt_moves_random_genotypes_between_pooling_and_convolutions():
    supernet = DartsCellBackbone(**TINY)

    def conv_edges(tilt):
        counts = []
        for seed in range(20):
            sq.draw_random_alpha(supernet, seed, tilt=0.0)
            with torch.no_grad():  # a fixed tilt: add it by hand
                for key in supernet.arch_params.alphas.keys():
                    a = supernet.arch_params.alphas[key]
                    a.add_(tilt * torch.tensor(
                        [0.0 if n in sq.PARAMETER_FREE else 1.0
                         for n in supernet.op_names]))
            g = supernet.derive_genotype().to_dict()
            counts.append(sum(op not in sq.PARAMETER_FREE
                              for c in g['cells'].values()
                              for node in c['nodes'] for op, _ in node))
        return sum(counts) / len(counts)

    low, mid, high = conv_edges(-6.0), conv_edges(0.0), conv_edges(6.0)
    assert low < mid < high
    assert low == 0  # every edge parameter-free (zero is never derived)
    # the tilt a draw uses lies in the range and depends on the seed
    tilts = {sq.draw_random_alpha(supernet, s) for s in range(10)}
    assert len(tilts) == 10 and all(abs(t) <= sq.TILT for t in tilts)


def test_remeasure_latency_updates_row_and_result_records(tmp_path):
    import argparse
    sched = sq.Schedule(1, 1, 64, 32)
    row = sq.Row('darts-fo', '2d', 'searched', 'x', search={})
    supernet = sq.build_model(
        sq.search_config(row, str(tmp_path), sched)['model']).backbone
    geno = str(tmp_path / 'genotype.json')
    sq.write_json(geno, supernet.derive_genotype().to_dict())
    cfg = sq.retrain_config(row, str(tmp_path), sched, genotype=geno)
    cfg_path = sq.dump_config(
        cfg, str(tmp_path / 'rows' / 'darts-fo' / 'retrain_config.py'), 'x')
    study = sq.Study(argparse.Namespace(work_dir=str(tmp_path),
                                        data=str(tmp_path)), [row], [row],
                     sched)
    infos = {'darts-fo': dict(row='darts-fo', config=cfg_path,
                              latency_ms=-1.0)}
    results = [dict(row='darts-fo', seed=s, latency_ms=-1.0) for s in (0, 1)]
    sq.remeasure_latency(study, [row], infos, results)
    latency = infos['darts-fo']['latency_ms']
    assert 0 < latency < 1000
    assert sq.read_json(str(tmp_path / 'rows' / 'darts-fo' /
                            'row.json'))['latency_ms'] == latency
    for r in results:
        assert r['latency_ms'] == latency
        assert sq.read_json(study.result_path(row, r['seed']))[
            'latency_ms'] == latency
