"""Mutation testing (mutmut 3), one package at a time, with its score.

Runs ``mutmut run`` for each given package of ``mmposenas`` in its own run
directory ``mutants/<package>/`` (gitignored), so every package keeps its own
cached results between runs (mutmut re-tests only mutants of changed
functions) and is tested only against its own tests. The settings shared by
all packages are ``[tool.mutmut]`` in pyproject.toml; this script adds the
package (``only_mutate``) and its test selection (:data:`TESTS`). Prints one
line per package: mutants, killed, survived, other outcomes, the score
(killed + timeout) / (all - skipped) and the wall time, then the survivors.

Mutation testing is slow and is never run in CI:

    make mutation PKG=mmposenas/codecs
    .venv/bin/python tools/mutation_report.py mmposenas/evaluation --max-children 1
    .venv/bin/python tools/mutation_report.py mmposenas/codecs --fresh  # no cache
    .venv/bin/python tools/mutation_report.py mmposenas/parts --retest  # after
        # adding tests: re-test only the mutants not killed so far

Run it under the CPU lock on shared machines.
"""
import argparse
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
import time
from typing import Sequence

try:
    import tomllib
except ImportError:  # Python < 3.11
    import tomli as tomllib

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))

SKIP_TRAININGS = ('not trains_with_every_remedy and not unperturbed_alpha '
                  'and not cost_aware_search')
#: Test selection per package: the test files that exercise it in-process
#: (mutants are only visible to code imported from the mutants/ copy, so
#: tests that run the tools as subprocesses cannot kill them).
TESTS = {
    'mmposenas/codecs': ['tests/codecs'],
    'mmposenas/evaluation': ['tests/evaluation'],
    # without the group_parts.py runs (tool CLI tests) and the proxy-figure
    # KSG test: seconds each for every mutant of the grouping code
    'mmposenas/parts': [
        'tests/parts', 'tests/properties/test_groups_properties.py',
        '--ignore', 'tests/parts/test_group_parts_order.py', '--deselect',
        'tests/parts/test_grouping.py::test_group_parts_cli_on_the_h36m_sample',
        '--deselect', 'tests/parts/test_grouping.py::'
        'test_proxy_figures_bones_dominate_ksg_mi_and_groups_are_stable',
        '--deselect', 'tests/parts/test_grouping.py::'
        'test_group_parts_drops_repeated_views_of_a_pose'
    ],
    # without the three short trainings of test_collapse_remedies.py
    # (6-11 s for every mutant they cover; the hooks' runs cover that code)
    'mmposenas/models/search': [
        'tests/models/search', 'tests/properties/test_ops_reference.py',
        'tests/properties/test_genotype_properties.py',
        'tests/engine/test_arch_gradients.py', '-k', SKIP_TRAININGS
    ],
    'mmposenas/models/backbones': [
        'tests/models/backbones', 'tests/posenfs/test_fabric_backbone.py',
        'tests/posenfs/test_posenfs_size.py'
    ],
    'mmposenas/models/heads': [
        'tests/models/heads', 'tests/models/utils',
        'tests/properties/test_soft_argmax_properties.py'
    ],
    # not tests/engine/test_distributed_search.py, test_exact_resume.py and
    # the two tests below: they run the tools in subprocesses
    'mmposenas/engine': [
        'tests/engine/hooks', 'tests/engine/test_arch_gradients.py',
        'tests/models/search/test_collapse_remedies.py',
        'tests/autopose/test_resume.py', '-k', SKIP_TRAININGS, '--deselect',
        'tests/engine/hooks/test_arch_optimizer_hook.py::'
        'test_train_script_writes_genotype_and_resume_restores_state',
        '--deselect', 'tests/engine/hooks/test_divergence_guard_hook.py::'
        'test_derive_refuses_a_nan_checkpoint'
    ],
}
#: pytest option of mutation runs: keep every tmp_path root of the run
#: (see run(); the tool deletes them before the next run).
RETENTION = ['-o', 'tmp_path_retention_count=1000000']
#: Linked into each run directory (mutmut copies what it needs from there).
LINKS = ['mmposenas', 'tests', 'configs', 'data', 'tools', 'benchmarks']


def toml_value(value) -> str:
    """TOML for the str / bool / number / list-of-those values used here."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, list):
        return '[' + ', '.join(toml_value(v) for v in value) + ']'
    raise TypeError(f'cannot write {value!r} as TOML')


def prepare(package: str, only: Sequence[str] = (),
            tests: Sequence[str] = ()) -> str:
    """Create/refresh ``mutants/<package>/`` and return its path.

    ``only``: mutate just these modules of the package (paths relative to
    the repository) instead of all of it.
    """
    if package not in TESTS:
        sys.exit(f'error: unknown package {package!r}; expected one of '
                 f'{sorted(TESTS)}')
    with open(osp.join(REPO, 'pyproject.toml'), 'rb') as f:
        project = tomllib.load(f)
    settings = dict(project.get('tool', {}).get('mutmut', {}))
    outside = [f for f in only if not f.startswith(package + '/')]
    if outside:
        sys.exit(f'error: --only {outside} are not modules of {package}')
    settings['only_mutate'] = list(only) or [f'{package}/*']
    settings['pytest_add_cli_args_test_selection'] = (list(tests) or
                                                      TESTS[package])
    settings['pytest_add_cli_args'] = (
        list(settings.get('pytest_add_cli_args', [])) + RETENTION)
    pytest_ini = project.get('tool', {}).get('pytest', {}).get(
        'ini_options', {})
    run_dir = osp.join(REPO, 'mutants', package.replace('/', '.'))
    os.makedirs(run_dir, exist_ok=True)
    lines = ['[tool.mutmut]']
    lines += [f'{k} = {toml_value(v)}' for k, v in settings.items()]
    lines += ['', '[tool.pytest.ini_options]']
    lines += [f'{k} = {toml_value(v)}' for k, v in pytest_ini.items()
              if k != 'testpaths']
    text = '\n'.join(lines) + '\n'
    path = osp.join(run_dir, 'pyproject.toml')
    if not osp.isfile(path) or open(path).read() != text:
        with open(path + '.tmp', 'w') as f:
            f.write(text)
        os.replace(path + '.tmp', path)
    for name in LINKS:
        link = osp.join(run_dir, name)
        if not osp.lexists(link):
            os.symlink(osp.join(REPO, name), link)
    return run_dir


def not_killed(run_dir: str, env: dict) -> list:
    """``mutmut results`` of a run directory: 'name: status' lines."""
    results = subprocess.run([sys.executable, '-m', 'mutmut', 'results'],
                             cwd=run_dir, env=env, check=True,
                             capture_output=True, text=True)
    return [line.strip() for line in results.stdout.splitlines()
            if ':' in line]


def run(package: str, max_children: int, fresh: bool = False,
        retest: bool = False, only: Sequence[str] = (),
        tests: Sequence[str] = ()) -> dict:
    """Run mutmut for ``package``; return its summary and wall time.

    ``retest``: run again only the mutants not killed in the cached results
    (surviving, timed-out, untested), e.g. after tests were added; the
    killed ones keep their result (valid while tests are only added).
    """
    run_dir = prepare(package, only, tests)
    if fresh:  # forget cached results (e.g. after adding tests)
        shutil.rmtree(osp.join(run_dir, 'mutants'), ignore_errors=True)
    # PYTEST_DEBUG_TEMPROOT: pytest keeps only the 3 newest tmp_path roots
    # per user; other pytest sessions on the machine deleted the ones of a
    # long mutmut run while its tests used them. Within the run, the roots
    # are kept too (RETENTION, in prepare()): MMEngine's Visualizer is a
    # process-wide instance, so the mutant workers forked from mutmut's
    # process write to the log directory of the last Runner of its clean
    # test run; once pytest deleted that root, every Runner test of a
    # worker failed and its mutant was counted as killed.
    tmp_root = osp.join(run_dir, 'pytest-tmp')
    shutil.rmtree(tmp_root, ignore_errors=True)  # kept whole during a run
    os.makedirs(tmp_root, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1',
               PYTEST_DEBUG_TEMPROOT=tmp_root,
               HYPOTHESIS_PROFILE=os.environ.get('HYPOTHESIS_PROFILE',
                                                 'mutation'))
    mutmut = [sys.executable, '-m', 'mutmut']
    names = []
    if retest and not fresh and osp.isdir(osp.join(run_dir, 'mutants')):
        names = [line.split(':')[0] for line in not_killed(run_dir, env)]
    start = time.perf_counter()
    proc = subprocess.run([*mutmut, 'run', '--max-children',
                           str(max_children), *names], cwd=run_dir, env=env,
                          capture_output=True, text=True)
    wall = time.perf_counter() - start
    log = osp.join(run_dir, 'mutmut-run.log')
    with open(log, 'w') as f:
        f.write(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        sys.exit(f'error: mutmut run failed for {package} (exit '
                 f'{proc.returncode}); see {log}')
    subprocess.run([*mutmut, 'export-cicd-stats'], cwd=run_dir, env=env,
                   check=True, capture_output=True)
    with open(osp.join(run_dir, 'mutants', 'mutmut-cicd-stats.json')) as f:
        stats = json.load(f)
    stats['not_killed'] = not_killed(run_dir, env)
    tested = stats['total'] - stats['skipped']
    stats['score'] = (100.0 * (stats['killed'] + stats['timeout']) / tested
                      if tested else 0.0)
    stats['wall_s'] = wall
    return stats


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('packages', nargs='*', default=sorted(TESTS),
                        help='packages, e.g. mmposenas/codecs (default: all)')
    parser.add_argument('--max-children', type=int, default=2,
                        help='parallel mutant workers (default: 2)')
    parser.add_argument('--fresh', action='store_true',
                        help='discard cached results and test every mutant')
    parser.add_argument('--retest', action='store_true',
                        help='re-test only the mutants not killed so far')
    parser.add_argument('--only', nargs='+', default=[], metavar='MODULE',
                        help='mutate only these modules of the (single) '
                        'package, e.g. mmposenas/engine/arch_gradients.py')
    parser.add_argument('--tests', nargs=argparse.REMAINDER, default=[],
                        metavar='ARG',
                        help='pytest selection replacing TESTS[package] '
                        '(for an --only run: the tests of those modules); '
                        'must come last, takes every argument after it')
    args = parser.parse_args(argv)
    if (args.only or args.tests) and len(args.packages) != 1:
        parser.error('--only / --tests need exactly one package')
    rows = []
    for package in args.packages:
        package = package.rstrip('/')
        print(f'mutmut: {package} (tests: '
              f'{" ".join(args.tests or TESTS.get(package, []))})',
              flush=True)
        rows.append((package, run(package, args.max_children, args.fresh,
                                      args.retest, args.only,
                                      args.tests)))
    print(f'\n{"package":<28}{"mutants":>8}{"killed":>8}{"survived":>9}'
          f'{"no tests":>9}{"timeout":>8}{"other":>6}{"score":>8}'
          f'{"wall":>9}')
    for package, s in rows:
        other = s['suspicious'] + s['segfault'] + s['skipped'] + \
            s['check_was_interrupted_by_user']
        print(f'{package:<28}{s["total"]:>8}{s["killed"]:>8}'
              f'{s["survived"]:>9}{s["no_tests"]:>9}{s["timeout"]:>8}'
              f'{other:>6}{s["score"]:>7.1f}%{s["wall_s"]:>8.0f}s')
    for package, s in rows:
        if s['not_killed']:
            print(f'\nnot killed in {package}:')
            for line in s['not_killed']:
                print(f'  {line}')


if __name__ == '__main__':
    main()
