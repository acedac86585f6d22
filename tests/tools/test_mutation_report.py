"""tools/mutation_report.py: the sampled estimate of a package's score."""
import json
import os
import os.path as osp

import pytest

from tools_test_utils import load_tool

report = load_tool('tools/mutation_report.py')


def write_meta(run_dir, relpath, codes):
    path = osp.join(run_dir, 'mutants', relpath + '.meta')
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(dict(exit_code_by_key=codes, durations_by_key={}), f)


def test_exit_codes_reads_every_meta_file_of_the_run(tmp_path):
    write_meta(str(tmp_path), 'pkg/a.py', {'pkg.a.x_f__mutmut_1': 1,
                                           'pkg.a.x_f__mutmut_2': None})
    write_meta(str(tmp_path), 'pkg/sub/b.py', {'pkg.sub.b.x_g__mutmut_1': 0})
    assert report.exit_codes(str(tmp_path)) == {
        'pkg.a.x_f__mutmut_1': 1, 'pkg.a.x_f__mutmut_2': None,
        'pkg.sub.b.x_g__mutmut_1': 0}


def test_exit_codes_names_a_broken_meta_file(tmp_path):
    path = tmp_path / 'mutants' / 'pkg' / 'a.py.meta'
    path.parent.mkdir(parents=True)
    path.write_text('{"durations_by_key": {}}')
    with pytest.raises(ValueError, match=r'a\.py\.meta.*exit_code_by_key'):
        report.exit_codes(str(tmp_path))


def test_draw_sample_is_reproducible_and_independent_of_order():
    names = [f'm{i}' for i in range(50)]
    first = report.draw_sample(names, 10, seed=3)
    assert first == report.draw_sample(list(reversed(names)), 10, seed=3)
    assert len(set(first)) == 10 and set(first) <= set(names)
    assert first != report.draw_sample(names, 10, seed=4)
    # asking for more than there are takes all of them, once each
    assert sorted(report.draw_sample(names[:5], 10, seed=0)) == names[:5]
    with pytest.raises(ValueError, match='at least 1'):
        report.draw_sample(names, 0, seed=0)


def test_wilson_interval_matches_the_closed_form():
    # k=8 of n=10: the textbook Wilson 95 % interval is 0.490-0.943
    low, high = report.wilson_interval(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-4)
    assert high == pytest.approx(0.9433, abs=1e-4)
    # all killed: the upper end is 1, the lower end n / (n + z^2)
    low, high = report.wilson_interval(20, 20)
    assert high == 1.0
    assert low == pytest.approx(20 / (20 + 1.96**2), abs=1e-9)
    low, high = report.wilson_interval(0, 20)
    assert low == 0.0 and high == pytest.approx(1.96**2 / (20 + 1.96**2))
    with pytest.raises(ValueError, match='k=3, n=2'):
        report.wilson_interval(3, 2)


def test_sample_estimate_extrapolates_the_sample_rate_to_the_untested():
    before = {f't{i}': 1 for i in range(6)}  # 6 tested, killed
    before.update({'s0': 0, 'skip': 34})  # 1 survived, 1 skipped
    before.update({f'u{i}': None for i in range(10)})  # 10 untested
    sample = ['u0', 'u1', 'u2', 'u3']
    after = dict(before, u0=1, u1=36, u2=0, u3=1)  # 36: timeout counts
    e = report.sample_estimate(before, sample, after)
    assert (e['sample'], e['sample_killed'], e['untested']) == (4, 3, 10)
    assert (e['tested'], e['tested_killed']) == (7, 6)
    # (6 + 0.75 * 10) / (7 + 10), the skipped mutant left out
    assert e['score'] == pytest.approx(100 * 13.5 / 17)
    low, high = report.wilson_interval(3, 4)
    assert e['low'] == pytest.approx(100 * (6 + low * 10) / 17)
    assert e['high'] == pytest.approx(100 * (6 + high * 10) / 17)


def test_sample_estimate_refuses_a_sample_it_cannot_count():
    before = {'a': 1, 'u': None, 'v': None}
    with pytest.raises(ValueError, match='not untested'):
        report.sample_estimate(before, ['a'], before)
    with pytest.raises(ValueError, match='no result.*u'):
        report.sample_estimate(before, ['u'], before)


def test_sample_needs_generated_mutants(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(report, 'REPO', str(tmp_path))
    (tmp_path / 'pyproject.toml').write_text('[tool.mutmut]\n')
    with pytest.raises(SystemExit, match='no untested mutants'):
        report.run('mmposenas/codecs', 1, sample=5)
    with pytest.raises(SystemExit):
        report.main(['mmposenas/codecs', '--sample', '3', '--retest'])
    assert '--sample draws from the untested' in capsys.readouterr().err


def write_stats(run_dir, by_function, tests):
    path = osp.join(run_dir, 'mutants', 'mutmut-stats.json')
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(dict(tests_by_mangled_function_name=by_function,
                       duration_by_test={t: 1.0 for t in tests},
                       stats_time=2.0), f)
    return path


def test_widen_stats_lets_each_test_of_a_file_cover_its_functions(tmp_path):
    """A module fixture ran f during t1 only; t2 of the same file checks
    its result, t3 of another file does not use it."""
    tests = ['tests/a.py::t1', 'tests/a.py::t2', 'tests/b.py::t3',
             'tests/b.py::t4']
    path = write_stats(str(tmp_path), {
        'pkg.x_f': ['tests/a.py::t1'],
        'pkg.x_g': ['tests/a.py::t2', 'tests/b.py::t3'],
        'pkg.x_h': []}, tests)
    assert report.widen_stats(str(tmp_path)) == 1 + 2
    stats = json.load(open(path))
    assert stats['tests_by_mangled_function_name'] == {
        'pkg.x_f': ['tests/a.py::t1', 'tests/a.py::t2'],
        'pkg.x_g': tests,
        'pkg.x_h': []}
    assert stats['stats_time'] == 2.0  # the rest is kept
    assert report.widen_stats(str(tmp_path)) == 0  # already wide
    assert not os.path.exists(path + '.tmp')


def test_widen_stats_without_stats_and_with_a_broken_file(tmp_path):
    assert report.widen_stats(str(tmp_path)) == 0  # a fresh run: no stats
    path = osp.join(str(tmp_path), 'mutants', 'mutmut-stats.json')
    os.makedirs(osp.dirname(path))
    with open(path, 'w') as f:
        json.dump({'duration_by_test': {}}, f)
    with pytest.raises(ValueError) as err:
        report.widen_stats(str(tmp_path))
    assert str(err.value) == (f"{path}: not a mutmut stats file (no "
                              f"'tests_by_mangled_function_name')")


def test_mutants_option_needs_one_package_and_no_other_selection(capsys):
    for argv in (['mmposenas/codecs', 'mmposenas/parts', '--mutants', 'x'],
                 ['mmposenas/codecs', '--retest', '--mutants', 'x'],
                 ['mmposenas/codecs', '--sample', '3', '--mutants', 'x']):
        with pytest.raises(SystemExit):
            report.main(argv)
        assert ('--mutants needs exactly one package and no --fresh, '
                '--retest or --sample') in capsys.readouterr().err
