"""Does the search find better networks? A search-quality study (issue 13).

On the generated proxy figures (``mmposenas.datasets.synthetic``) this
searches, derives and retrains a list of *rows* with one schedule and several
seeds and reports mean ± std of COCO AP (2D) or MPJPE / PA-MPJPE (3D) next to
parameters, multiply-adds (``tools/analysis/get_flops.py``'s ``count``, the
one counter; transposed convs at their output resolution) and CPU latency
(batch 1, 1 thread, median):

* the searched genotypes (first order, second order) of the 2D chain
  (``DartsCellBackbone`` + MMPose ``HeatmapHead``) and the 3D part-aware
  chain (``PartAwareNASBackbone`` + ``VolumetricIntegralHead``);
* random genotypes of the same space: random α derived with the same rule,
  rejected until the parameter count is within 10 % of the searched network
  (the tries are recorded);
* MMPose's hand-designed ResNet, MobileNetV2 and LiteHRNet and its searched
  ViPNAS_ResNet / ViPNAS_MobileNetV3 with a ``HeatmapHead``, their width set
  by bisection so that the multiply-adds are within 15 % of the searched 2D
  network;
* every collapse remedy of the shared core as its own search (partial
  channels, SDARTS-RS, DARTS-, the skip cap at derivation, a budgeted
  cost-aware search);
* PoseNFS / AutoPose rows when their proxy-figure configs exist.

Every run is a subprocess of ``tools/train.py`` / ``tools/test.py`` /
``tools/derive.py`` on a config written into the work dir (derived from the
repository's configs, data paths pointing at ``--data``). Results are cached
per (row, seed) as JSON, so an interrupted study resumes; ``--rows`` selects
rows. The markdown table, the accuracy-vs-multiply-adds PNG and a finding
paragraph land in the work dir, and ``--docs`` copies them into
``docs/search_quality.md``.

    OMP_NUM_THREADS=1 python benchmarks/search_quality.py --jobs 2 --docs
    OMP_NUM_THREADS=1 python benchmarks/search_quality.py --quick --jobs 2
"""
import argparse
import copy
import glob
import importlib.util
import json
import math
import os
import os.path as osp
import shutil
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

from mmposenas.utils.io import atomic_write_text  # noqa: E402

DARTS_SEARCH = 'configs/darts_pose/td-hm_darts-tiny-search-fo_1xb7-4e_coco-sample-64x48.py'  # noqa: E501
SYNTHETIC_2D = 'configs/baselines/synthetic/td-hm_res18-tiny_1xb32-30e_synthetic-figures-64x64.py'  # noqa: E501
PA_SEARCH = 'configs/part_aware_nas/vol-int_pa-nas-tiny-search-fo_1xb32-2e_synthetic-figures-64x64.py'  # noqa: E501
PA_RETRAIN = 'configs/part_aware_nas/vol-int_pa-nas-tiny_1xb32-10e_synthetic-figures-64x64.py'  # noqa: E501
DATA_PREFIX = 'data/synthetic/'
INPUT = 64  # input size (square) of every row
HEATMAP = 16  # 2D heatmap size: every 2D row's head ends at stride 4
DECONV_CHANNELS = 16  # channels of the head's deconvs (stride > 4 rows)
DARTS_STEM = 24  # 2D DARTS chain: stem channels
DARTS_CHANNELS = 16  # 2D DARTS chain: node channels (x2 after reduction)
PARAM_WINDOW = 0.10
MAC_WINDOW = 0.15
BEGIN = '<!-- search-quality:begin -->'
END = '<!-- search-quality:end -->'

#: metric key, label, larger is better
METRICS = {
    '2d': [('coco/AP', 'COCO AP', True)],
    '3d': [('MPJPE', 'MPJPE (mm)', False), ('PA-MPJPE', 'PA-MPJPE (mm)',
                                            False)],
}


# --------------------------------------------------------------------------
# rows
# --------------------------------------------------------------------------
@dataclass
class Row:
    """One line of the table.

    Attributes:
        name: unique id (cache key, ``--rows``).
        chain: '2d' (COCO AP) or '3d' (MPJPE / PA-MPJPE).
        group: 'searched', 'random', 'hand', 'remedy' or 'external'.
        label: what the table shows.
        search: for searched rows, options of the search (see
            :func:`search_config`); ``from`` reuses another row's search.
        derive_options: ``--cfg-options`` of ``tools/derive.py``.
        ref: the searched row whose parameters / multiply-adds this row
            matches (random and hand rows).
        index: the k-th random genotype (random rows).
        backbone: hand-designed backbone family (hand rows).
        configs: (search glob, retrain glob) of external rows.
    """
    name: str
    chain: str
    group: str
    label: str
    search: Optional[Dict[str, Any]] = None
    derive_options: Dict[str, Any] = field(default_factory=dict)
    ref: Optional[str] = None
    index: int = 0
    backbone: Optional[str] = None
    configs: Optional[Tuple[str, str]] = None


def default_rows(num_random: int = 5) -> List[Row]:
    """The study's rows, in table order (one entry per row)."""
    rows = [
        Row('darts-fo', '2d', 'searched', 'DARTS cells, first order',
            search=dict(mode='first_order')),
        Row('darts-so', '2d', 'searched', 'DARTS cells, second order',
            search=dict(mode='second_order')),
    ]
    rows += [Row(f'darts-random-{k}', '2d', 'random',
                 f'random genotype {k} (params within 10 %)', ref='darts-fo',
                 index=k - 1) for k in range(1, num_random + 1)]
    rows += [
        Row(f'hand-{b}', '2d', 'hand', label, ref='darts-fo', backbone=b)
        for b, label in [
            ('resnet', 'ResNet-18, 3 stages, width by bisection'),
            ('mobilenetv2', 'MobileNetV2 to stage 4, widen by bisection'),
            ('litehrnet', 'LiteHRNet, 1-2-1 modules, reduce 4, width by '
             'bisection'),
            ('vipnas_resnet', 'ViPNAS_ResNet, 1 block per stage, width by '
             'bisection'),
            ('vipnas_mbv3', 'ViPNAS_MobileNetV3, depths 1-1-2-2-1-1, width '
             'by bisection'),
        ]
    ]
    rows += [
        Row('remedy-pc2', '2d', 'remedy', 'PC-DARTS: K=2 + edge norm.',
            search=dict(mode='first_order', partial_channels=2,
                        edge_normalization=True)),
        Row('remedy-sdarts-rs', '2d', 'remedy', 'SDARTS-RS: ε 0.03→0.3',
            search=dict(mode='first_order', smoothing=(0.03, 0.3))),
        Row('remedy-darts-minus', '2d', 'remedy', 'DARTS-: aux. skip β 1→0',
            search=dict(mode='first_order', aux_skip=1.0)),
        Row('remedy-max-skip', '2d', 'remedy',
            'skip cap 1 per cell at derivation (FO search)',
            search=dict(mode='first_order', **{'from': 'darts-fo'}),
            derive_options={'model.backbone.max_skip': 1}),
        Row('remedy-budget', '2d', 'remedy',
            'budgeted: cost_target = fixed + 25 % of searchable MACs',
            search=dict(mode='first_order', budget=0.25)),
        Row('pa-fo', '3d', 'searched', 'part-aware, first order',
            search=dict(mode='first_order')),
        Row('pa-so', '3d', 'searched', 'part-aware, second order',
            search=dict(mode='second_order')),
    ]
    rows += [Row(f'pa-random-{k}', '3d', 'random',
                 f'random genotype {k} (params within 10 %)', ref='pa-fo',
                 index=k - 1) for k in range(1, num_random + 1)]
    rows += [
        Row('posenfs', '2d', 'external', 'PoseNFS (proxy-figure config)',
            configs=('configs/posenfs/*synthetic-figures*.py',
                     'configs/posenfs/*fixed*synthetic-figures*.py')),
        Row('autopose', '2d', 'external', 'AutoPose (proxy-figure config)',
            configs=('configs/autopose/*search*synthetic-figures*.py',
                     'configs/autopose/*tiny_*synthetic-figures*.py')),
    ]
    return rows


QUICK_ROWS = ['darts-fo', 'darts-random-1', 'darts-random-2', 'hand-resnet',
              'remedy-pc2']


def external_configs(row: Row, root: str = REPO
                     ) -> Optional[Tuple[str, str]]:
    """(search config, retrain config) of an external row, or None.

    The search config is the first match of the search glob that is not a
    retrain config; a row whose configs do not exist yet is skipped.
    """
    search_glob, retrain_glob = row.configs
    retrain = sorted(glob.glob(osp.join(root, retrain_glob)))
    search = [p for p in sorted(glob.glob(osp.join(root, search_glob)))
              if p not in retrain]
    if not search or not retrain:
        return None
    return search[0], retrain[0]


def select_rows(rows: List[Row], names: Optional[Sequence[str]]
                ) -> List[Row]:
    """Rows named in ``names`` (all when None), unknown names refused."""
    if names is None:
        return rows
    known = {r.name: r for r in rows}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f'--rows: unknown row(s) {unknown}; known: '
                         f'{sorted(known)}')
    return [r for r in rows if r.name in names]


# --------------------------------------------------------------------------
# pure parts: sampling, bisection, aggregation, finding, writers
# --------------------------------------------------------------------------
#: the tilt of the random α draws: U(-TILT, TILT) added to the logits of
#: every op with weights (see :func:`draw_random_alpha`)
TILT = 3.0
#: parameter-free ops (names of ``ops.py``; ``skip_connect`` at stride 2 is
#: a factorized reduce, which has weights, but counts here all the same)
PARAMETER_FREE = ('zero', 'skip_connect', 'max_pool_3x3', 'avg_pool_3x3')


def draw_random_alpha(backbone, seed: int, tilt: float = TILT) -> float:
    """Random α of ``backbone`` for random search; returns the tilt used.

    Every α is drawn from N(0, 1) (``ArchitectureParameters.reset_random``
    with ``seed``); then a tilt ``b ~ U(-tilt, tilt)`` (from the same seed)
    is added to the logits of every op with weights (not in
    :data:`PARAMETER_FREE`). Plain N(0, 1) draws derive networks around
    the middle of the space's parameter range, almost never near a searched
    network made mostly of convolutions (0 of 500 draws within 10 % in the
    full study); the tilt spreads the draws over the whole range, from
    pooling-only to convolution-only cells, and the ops themselves stay
    random.
    """
    import torch
    arch = backbone.arch_params
    arch.reset_random(seed)
    gen = torch.Generator().manual_seed(int(seed) + 7919)
    b = float(tilt * (2 * torch.rand(1, generator=gen).item() - 1))
    names = list(backbone.op_names)
    mask = torch.tensor([0.0 if n in PARAMETER_FREE else 1.0 for n in names])
    with torch.no_grad():
        for key in sorted(arch.alphas.keys()):
            alpha = arch.alphas[key]
            if alpha.shape[-1] == len(names):
                alpha.add_(b * mask)
    return b


def sample_random_genotypes(backbone, params_of: Callable[[Any], int],
                            target: float, num: int,
                            window: float = PARAM_WINDOW, seed: int = 0,
                            max_tries: int = 500,
                            exclude: Sequence[dict] = (),
                            tilt: float = TILT) -> List[dict]:
    """Random genotypes of ``backbone``'s space near ``target`` parameters.

    Each try draws the α of the supernet ``backbone`` with
    :func:`draw_random_alpha` (seed ``seed * 100003 + try``), derives the
    genotype with the backbone's own rule (``derive_genotype``) and keeps it
    when ``params_of(genotype)`` is within ``window`` of ``target`` and it
    differs from every kept (and ``exclude``) genotype.

    Returns:
        list[dict]: ``num`` dicts with ``genotype`` (dict), ``params``,
        ``tries`` (draws spent on this one), ``seed`` (of its α) and
        ``tilt`` (the tilt drawn; ``draw_random_alpha(backbone, seed,
        tilt_range)`` reproduces the α).

    Raises:
        RuntimeError: fewer than ``num`` found in ``max_tries`` draws.
    """
    found: List[dict] = []
    seen = [json.dumps(g, sort_keys=True) for g in exclude]
    tries = 0
    spent = 0
    while len(found) < num:
        if tries >= max_tries:
            raise RuntimeError(
                f'random genotypes: only {len(found)} of {num} within '
                f'{window:.0%} of {target:.0f} parameters in {max_tries} '
                'tries')
        alpha_seed = seed * 100003 + tries
        tries += 1
        spent += 1
        b = draw_random_alpha(backbone, alpha_seed, tilt)
        genotype = backbone.derive_genotype().to_dict()
        key = json.dumps(genotype, sort_keys=True)
        if key in seen:
            continue
        params = params_of(genotype)
        if abs(params - target) <= window * target:
            found.append(dict(genotype=genotype, params=int(params),
                              tries=spent, seed=alpha_seed, tilt=b))
            seen.append(key)
            spent = 0
    return found


def bisect_scale(macs_of: Callable[[float], float], target: float,
                 lo: float, hi: float, window: float = MAC_WINDOW,
                 iters: int = 18) -> Tuple[float, float, List[Tuple]]:
    """Scale factor whose multiply-adds are closest to ``target``.

    ``macs_of`` must grow with the factor (rounded channel counts make it a
    step function). Bisection in log space between ``lo`` and ``hi``; the
    closest evaluated factor wins.

    Returns:
        (factor, macs, evaluations): ``evaluations`` lists (factor, macs).

    Raises:
        ValueError: the closest is not within ``window`` of ``target``.
    """
    evals = []

    def ev(f):
        m = float(macs_of(f))
        evals.append((f, m))
        return m

    if ev(lo) > target or ev(hi) < target:
        best = min(evals, key=lambda e: abs(e[1] - target))
    else:
        a, b = math.log(lo), math.log(hi)
        for _ in range(iters):
            mid = math.exp((a + b) / 2)
            m = ev(mid)
            if m < target:
                a = math.log(mid)
            else:
                b = math.log(mid)
            if abs(m - target) <= 0.01 * target:
                break
        best = min(evals, key=lambda e: abs(e[1] - target))
    if abs(best[1] - target) > window * target:
        raise ValueError(
            f'bisection: closest multiply-adds {best[1]:.4g} (factor '
            f'{best[0]:.4g}) are not within {window:.0%} of {target:.4g} '
            f'in factors [{lo}, {hi}]')
    return best[0], best[1], evals


def aggregate(results: List[dict]) -> Dict[str, dict]:
    """Mean / std over seeds per row of per-(row, seed) result dicts.

    Returns:
        dict: row name -> ``dict(n, seeds, mean={metric: v},
        std={metric: v or None})`` (std: sample std, None for one seed)
        plus the row's ``params``, ``macs``, ``latency_ms``, ``label``,
        ``group``, ``chain`` (from its first result).
    """
    by_row: Dict[str, List[dict]] = {}
    for r in results:
        by_row.setdefault(r['row'], []).append(r)
    out = {}
    for name, rs in by_row.items():
        rs = sorted(rs, key=lambda r: r['seed'])
        keys = sorted(rs[0]['metrics'])
        mean, std = {}, {}
        for k in keys:
            vals = [float(r['metrics'][k]) for r in rs]
            mean[k] = statistics.fmean(vals)
            std[k] = statistics.stdev(vals) if len(vals) > 1 else None
        first = rs[0]
        out[name] = dict(
            n=len(rs), seeds=[r['seed'] for r in rs], mean=mean, std=std,
            **{k: first.get(k) for k in ('params', 'macs', 'latency_ms',
                                          'label', 'group', 'chain',
                                          'note')})
    return out


def finding(agg: Dict[str, dict], chain: str, searched: str) -> str:
    """Does ``searched`` beat the random rows by more than the seed spread?

    Random mean: the mean of the random rows' means. Seed-to-seed spread:
    the root mean square of every row's std over seeds (rows of this chain
    with at least 2 seeds). "Beats" means better than the random mean by
    more than that spread (higher AP; lower MPJPE).
    """
    key, label, higher = METRICS[chain][0]
    if searched not in agg:
        return f'{searched}: no results.'
    random_rows = [a for a in agg.values()
                   if a['chain'] == chain and a['group'] == 'random']
    if not random_rows:
        return f'{searched}: no random rows to compare with.'
    s = agg[searched]['mean'][key]
    rand = statistics.fmean(a['mean'][key] for a in random_rows)
    stds = [a['std'][key] for a in agg.values()
            if a['chain'] == chain and a['std'].get(key) is not None]
    gain = (s - rand) if higher else (rand - s)
    head = (f'{searched}: {label} {s:.4g} vs the mean of {len(random_rows)} '
            f'random genotypes {rand:.4g} (gain {gain:+.4g})')
    if not stds:
        return head + '; one seed only, so no seed-to-seed spread: no ' \
            'conclusion.'
    spread = math.sqrt(statistics.fmean(v * v for v in stds))
    verdict = 'beats' if gain > spread else 'does NOT beat'
    return (head + f'; seed-to-seed std (RMS over {len(stds)} rows) '
            f'{spread:.4g}: the searched network {verdict} random search by '
            'more than the seed-to-seed spread.')


def _fmt(mean: float, std: Optional[float], digits: int) -> str:
    if std is None:
        return f'{mean:.{digits}f}'
    return f'{mean:.{digits}f} ± {std:.{digits}f}'


def markdown_table(agg: Dict[str, dict], rows: List[Row], chain: str) -> str:
    """The table of one chain, rows in ``rows`` order."""
    metrics = METRICS[chain]
    digits = 3 if chain == '2d' else 1
    head = ['row', 'group', 'seeds'] + [m[1] for m in metrics] + [
        'params (M)', 'MACs (M)', 'CPU latency (ms)', 'note']
    lines = ['| ' + ' | '.join(head) + ' |',
             '|' + '|'.join(['---'] * len(head)) + '|']
    for row in rows:
        a = agg.get(row.name)
        if a is None or row.chain != chain:
            continue
        cells = [f'{row.name}: {a["label"]}', a['group'], str(a['n'])]
        cells += [_fmt(a['mean'][k], a['std'][k], digits)
                  for k, _, _ in metrics]
        cells += [f'{a["params"] / 1e6:.3f}', f'{a["macs"] / 1e6:.1f}',
                  f'{a["latency_ms"]:.2f}', a.get('note') or '']
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'


def write_plot(agg: Dict[str, dict], path: str) -> None:
    """Accuracy vs multiply-adds, one panel per chain, error bars = std."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    chains = [c for c in METRICS if any(a['chain'] == c
                                        for a in agg.values())]
    fig, axes = plt.subplots(1, max(1, len(chains)),
                             figsize=(6 * max(1, len(chains)), 4.5),
                             squeeze=False)
    markers = dict(searched='*', random='o', hand='s', remedy='^',
                   external='D')
    for ax, chain in zip(axes[0], chains):
        key, label, higher = METRICS[chain][0]
        for group, marker in markers.items():
            pts = [(n, a) for n, a in agg.items()
                   if a['chain'] == chain and a['group'] == group]
            if not pts:
                continue
            ax.errorbar([a['macs'] / 1e6 for _, a in pts],
                        [a['mean'][key] for _, a in pts],
                        yerr=[a['std'][key] or 0 for _, a in pts],
                        fmt=marker, capsize=3, label=group, markersize=8)
            for n, a in pts:
                ax.annotate(n, (a['macs'] / 1e6, a['mean'][key]),
                            fontsize=6, xytext=(3, 3),
                            textcoords='offset points')
        ax.set_xlabel('multiply-adds (M) at 64x64')
        ax.set_ylabel(label + (' (higher is better)' if higher else
                               ' (lower is better)'))
        ax.set_title(f'{chain} chain')
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    tmp = path + '.tmp.png'
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, path)


def op_summary(genotype: dict) -> str:
    """Per cell type: how many edges hold a parameter-free op, and which.

    Example: ``'normal 5/6 param-free (max_pool_3x3 3, skip_connect 2)'``.
    The collapse of DARTS shows as a cell of skip / pooling edges.
    """
    parts = []
    for name, cell in sorted((genotype or {}).get('cells', {}).items()):
        ops = [edge[0] for node in cell.get('nodes', []) for edge in node]
        free = [op for op in ops if op in PARAMETER_FREE]
        counts = {}
        for op in free:
            counts[op] = counts.get(op, 0) + 1
        which = ', '.join(f'{op} {n}' for op, n in
                          sorted(counts.items(), key=lambda kv: -kv[1]))
        parts.append(f'{name} {len(free)}/{len(ops)} param-free' +
                     (f' ({which})' if which else ''))
    return '; '.join(parts)


def derived_cells_markdown(rows: List[Row], genotypes: Dict[str, dict]
                           ) -> str:
    """One line per row with a genotype: :func:`op_summary`."""
    lines = ['| row | derived cells |', '|---|---|']
    for row in rows:
        if row.name in genotypes:
            lines.append(f'| {row.name} | {op_summary(genotypes[row.name])} |')
    return '\n'.join(lines) + '\n'


def report_markdown(agg: Dict[str, dict], rows: List[Row], command: str,
                    png_name: str, header: str = '',
                    genotypes: Optional[Dict[str, dict]] = None) -> str:
    """Tables, findings, derived cells and the plot link of a run."""
    parts = [header] if header else []
    parts.append(f'Command:\n\n```bash\n{command}\n```\n')
    for chain, searched in (('2d', 'darts-fo'), ('3d', 'pa-fo')):
        if not any(a['chain'] == chain for a in agg.values()):
            continue
        parts.append(f'### {chain} chain\n')
        parts.append(markdown_table(agg, rows, chain))
        parts.append('Finding: ' + finding(agg, chain, searched) + '\n')
        chain_genotypes = {r.name: genotypes[r.name] for r in rows
                           if r.chain == chain and r.name in agg and
                           r.name in (genotypes or {})}
        if chain_genotypes:
            parts.append('Derived cells (parameter-free ops per cell type):'
                         '\n')
            parts.append(derived_cells_markdown(rows, chain_genotypes))
    parts.append(f'![accuracy vs multiply-adds]({png_name})\n')
    return '\n'.join(parts)


def replace_between_markers(text: str, body: str) -> str:
    """``text`` with the part between BEGIN and END set to ``body``."""
    if BEGIN not in text or END not in text:
        return text.rstrip('\n') + f'\n\n{BEGIN}\n{body}\n{END}\n'
    pre, rest = text.split(BEGIN, 1)
    _, post = rest.split(END, 1)
    return f'{pre}{BEGIN}\n{body}\n{END}{post}'


# --------------------------------------------------------------------------
# configs
# --------------------------------------------------------------------------
def rewrite(obj, data: str):
    """Data paths to ``data``, loaders single-process (1 thread per job)."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if k == 'num_workers':
                v = 0
            elif k == 'persistent_workers':
                v = False
            else:
                v = rewrite(v, data)
            out[k] = v
        return out
    if isinstance(obj, (list, tuple)):
        return type(obj)(rewrite(v, data) for v in obj)
    if isinstance(obj, str) and obj.startswith(DATA_PREFIX):
        return osp.join(data, obj[len(DATA_PREFIX):])
    return obj


def load_config(path: str):
    from mmengine.config import Config
    return Config.fromfile(osp.join(REPO, path) if not osp.isabs(path)
                           else path)


def to_dict(cfg) -> dict:
    return copy.deepcopy(cfg.to_dict())


@dataclass
class Schedule:
    """One schedule for every row of the study."""
    search_epochs: int
    retrain_epochs: int
    train_images: int  # weight split (first images of the train file)
    arch_images: int  # 2D arch split (the next images)
    batch: int = 32
    lr: float = 2e-3


def apply_schedule(cfg: dict, epochs: int, sched: Schedule,
                   search: bool) -> dict:
    """The study's schedule (epochs, Adam + warm-up + cosine, no val)."""
    cfg['train_cfg'] = dict(by_epoch=True, max_epochs=epochs,
                            val_interval=epochs + 1)
    cfg['train_dataloader']['batch_size'] = sched.batch
    iters = max(1, epochs * (sched.train_images // sched.batch))
    cfg['param_scheduler'] = [
        dict(type='LinearLR', begin=0, end=min(30, iters),
             start_factor=0.05, by_epoch=False),
        dict(type='CosineAnnealingLR', begin=0, end=epochs, T_max=epochs,
             eta_min=1e-5, by_epoch=True)
    ]
    if not search:
        cfg['optim_wrapper'] = dict(
            type='OptimWrapper', optimizer=dict(type='Adam', lr=sched.lr))
    hooks = cfg.setdefault('default_hooks', {})
    hooks['checkpoint'] = dict(type='CheckpointHook', interval=epochs,
                               max_keep_ckpts=1)
    hooks['logger'] = dict(type='LoggerHook', interval=20)
    cfg['auto_scale_lr'] = dict(enable=False, base_batch_size=sched.batch)
    return cfg


def codec_2d() -> dict:
    return dict(type='MSRAHeatmap', input_size=(INPUT, INPUT),
                heatmap_size=(HEATMAP, HEATMAP), sigma=1.0, unbiased=True,
                blur_kernel_size=5)


def base_2d(data: str, sched: Schedule) -> dict:
    """2D DARTS supernet + HeatmapHead on the proxy figures (64x64).

    The model, optimizer constructor and hooks come from the tiny DARTS
    search config; data, pipelines and COCO metric from the proxy-figure
    ResNet baseline, with 16x16 heatmaps (every 2D row ends at stride 4).
    """
    darts = to_dict(load_config(DARTS_SEARCH))
    synth = to_dict(load_config(SYNTHETIC_2D))
    codec = codec_2d()
    cfg = darts
    for pipe in ('train_pipeline', 'val_pipeline'):
        for t in synth[pipe]:
            if t['type'] == 'GenerateTarget':
                t['encoder'] = codec
    train = copy.deepcopy(synth['train_dataloader'])
    train['dataset']['pipeline'] = synth['train_pipeline']
    train['dataset']['indices'] = list(range(sched.train_images))
    arch = copy.deepcopy(train)
    arch['dataset']['indices'] = list(range(
        sched.train_images, sched.train_images + sched.arch_images))
    val = copy.deepcopy(synth['val_dataloader'])
    val['dataset']['pipeline'] = synth['val_pipeline']
    cfg.update(train_dataloader=train, val_dataloader=val,
               test_dataloader=val, arch_dataloader=arch, codec=codec,
               val_evaluator=synth['val_evaluator'][0],
               test_evaluator=synth['val_evaluator'][0])
    cfg['model']['head']['decoder'] = codec
    cfg['model']['test_cfg'] = dict(flip_test=False)
    cfg['model']['backbone'].update(stem_channels=DARTS_STEM,
                                    channels=DARTS_CHANNELS)
    cfg['model']['head']['in_channels'] = DARTS_CHANNELS * 2 * \
        cfg['model']['backbone']['num_nodes']
    for k in ('train_pipeline', 'val_pipeline', 'data_root', 'dataset_type',
              'data_mode'):
        cfg.pop(k, None)
    return rewrite(cfg, data)


def base_3d(path: str, data: str, sched: Schedule) -> dict:
    cfg = rewrite(to_dict(load_config(path)), data)
    cfg['train_dataloader']['dataset']['indices'] = sched.train_images
    return cfg


def arch_hook(cfg: dict) -> dict:
    return next(h for h in cfg['custom_hooks']
                if h['type'] == 'ArchOptimizerHook')


def search_config(row: Row, data: str, sched: Schedule) -> dict:
    """The search config of a searched / remedy / external row."""
    opts = row.search or {}
    if row.group == 'external':
        search, _ = external_configs(row)
        cfg = rewrite(to_dict(load_config(search)), data)
        cfg['train_dataloader']['dataset']['indices'] = sched.train_images
        return apply_schedule(cfg, sched.search_epochs, sched, search=True)
    if row.chain == '2d':
        cfg = base_2d(data, sched)
        hook = arch_hook(cfg)
        hook['arch_dataloader'] = cfg['arch_dataloader']
    else:
        cfg = base_3d(PA_SEARCH, data, sched)
        hook = arch_hook(cfg)
    hook['mode'] = opts.get('mode', 'first_order')
    bb = cfg['model']['backbone']
    if opts.get('partial_channels'):
        bb['partial_channels'] = opts['partial_channels']
        bb['edge_normalization'] = bool(opts.get('edge_normalization'))
    if opts.get('smoothing'):
        eps0, eps1 = opts['smoothing']
        cfg['custom_hooks'].append(dict(type='ArchSmoothingHook',
                                        epsilon_start=eps0,
                                        epsilon_end=eps1))
    if opts.get('aux_skip'):
        cfg['custom_hooks'].append(dict(type='AuxiliarySkipHook',
                                        beta_start=opts['aux_skip']))
    if opts.get('budget') is not None:
        fixed, max_macs = supernet_macs(cfg)
        hook['cost_weight'] = 1.0
        hook['cost_target'] = float(fixed + opts['budget'] *
                                    (max_macs - fixed))
        hook['cost_input_shape'] = (3, INPUT, INPUT)
    return apply_schedule(cfg, sched.search_epochs, sched, search=True)


def retrain_config(row: Row, data: str, sched: Schedule,
                   genotype: Optional[str] = None,
                   backbone: Optional[dict] = None,
                   head: Optional[dict] = None) -> dict:
    """The fixed network of a row, under the study's retrain schedule."""
    if row.group == 'external':
        _, retrain = external_configs(row)
        cfg = rewrite(to_dict(load_config(retrain)), data)
        cfg['train_dataloader']['dataset']['indices'] = sched.train_images
        cfg['model']['backbone']['genotype'] = genotype
    elif row.chain == '3d':
        cfg = base_3d(PA_RETRAIN, data, sched)
        cfg['model']['backbone']['genotype'] = genotype
    else:
        cfg = base_2d(data, sched)
        if backbone is not None:
            cfg['model']['backbone'] = backbone
            cfg['model']['head'].update(head)
        else:
            bb = cfg['model']['backbone']
            bb.update(genotype=genotype, partial_channels=1,
                      edge_normalization=False, max_skip=None)
        cfg.pop('arch_dataloader', None)
    cfg['custom_hooks'] = [dict(type='SyncBuffersHook')]
    cfg['default_hooks'].pop('best_checkpoint', None)
    return apply_schedule(cfg, sched.retrain_epochs, sched, search=False)


def dump_config(cfg: dict, path: str, note: str) -> str:
    from mmengine.config import Config
    os.makedirs(osp.dirname(path), exist_ok=True)
    text = Config(cfg).pretty_text
    atomic_write_text(path, f'# {note}\n# written by '
                      f'benchmarks/search_quality.py\n{text}\n')
    return path


# --------------------------------------------------------------------------
# models: building, cost, hand-designed families
# --------------------------------------------------------------------------
def build_model(model_cfg: dict):
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS

    import mmposenas  # noqa: F401
    init_default_scope('mmpose')
    return MODELS.build(copy.deepcopy(model_cfg))


_COUNT = None


def flops_count():
    """``count`` of tools/analysis/get_flops.py (the one FLOPs counter)."""
    global _COUNT
    if _COUNT is None:
        path = osp.join(REPO, 'tools', 'analysis', 'get_flops.py')
        spec = importlib.util.spec_from_file_location('get_flops', path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _COUNT = module.count
    return _COUNT


def model_macs(model) -> float:
    return float(flops_count()(model, INPUT, INPUT)
                 ['macs_transposed_at_output'])


def num_params(model) -> int:
    return sum(p.numel() for p in model.parameters())


def cpu_latency_ms(model, runs: int = 30) -> float:
    """Median of ``runs`` batch-1 forwards (backbone + head), 1 thread."""
    import torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    model.eval()
    x = torch.randn(1, 3, INPUT, INPUT)
    times = []
    try:
        with torch.no_grad():
            for i in range(runs + 5):
                t0 = time.perf_counter()
                model._forward(x)
                if i >= 5:
                    times.append(time.perf_counter() - t0)
    finally:
        torch.set_num_threads(threads)
    return 1000 * statistics.median(times)


def supernet_macs(cfg: dict) -> Tuple[float, float]:
    """(fixed, max) multiply-adds of a supernet config (EdgeCostTable)."""
    from mmposenas.models.search.cost import EdgeCostTable
    table = EdgeCostTable(build_model(cfg['model']), (3, INPUT, INPUT))
    return table.fixed, table.max_macs


def _round8(x: float, minimum: int = 8) -> int:
    return max(minimum, int(round(x / 8.0)) * 8)


def _divisor_at_most(n: int, k: int) -> int:
    k = max(1, min(n, k))
    while n % k:
        k -= 1
    return k


def hand_backbone(family: str, f: float) -> dict:
    """MMPose backbone config of ``family`` at width factor ``f``."""
    if family == 'resnet':
        w = max(4, int(round(16 * f)))
        return dict(type='ResNet', depth=18, stem_channels=w,
                    base_channels=w, num_stages=3, strides=(1, 2, 2),
                    dilations=(1, 1, 1), out_indices=(2, ))
    if family == 'mobilenetv2':
        return dict(type='MobileNetV2', widen_factor=f, out_indices=(4, ))
    if family == 'litehrnet':
        c = [max(8, int(round(v * f / 4)) * 4) for v in (40, 80, 160)]
        s = max(8, int(round(32 * f / 8)) * 8)
        return dict(
            type='LiteHRNet', in_channels=3,
            extra=dict(
                stem=dict(stem_channels=s, out_channels=s, expand_ratio=1),
                num_stages=3,
                stages_spec=dict(
                    num_modules=(1, 2, 1), num_branches=(2, 3, 4),
                    num_blocks=(2, 2, 2), module_type=('LITE', ) * 3,
                    with_fuse=(True, ) * 3, reduce_ratios=(4, 4, 4),
                    num_channels=(tuple(c[:2]), tuple(c[:3]),
                                  tuple(c[:3]) + (c[2] * 2, ))),
                with_head=True))
    if family == 'vipnas_resnet':
        wid = [_round8(v * f) for v in (48, 80, 160, 304, 608)]
        group = [None] + [_divisor_at_most(w, int(round(16 * f)))
                          for w in wid[1:]]
        return dict(type='ViPNAS_ResNet', depth=50, wid=wid,
                    dep=[wid[0], 1, 1, 1, 1], group=group)
    if family == 'vipnas_mbv3':
        base = dict(wid=[16, 16, 24, 40, 80, 112, 160],
                    expan=[None, 1, 5, 4, 5, 5, 6],
                    group=[None, 8, 120, 20, 100, 280, 240])
        wid = [_round8(v * f) for v in base['wid']]
        wid[0] = wid[1]  # stage 1 has no expansion conv: in == mid
        group = [None]
        for i in range(1, 7):
            mid_old = base['wid'][i] * base['expan'][i]
            mid = wid[i] * base['expan'][i]
            g = base['group'][i]
            group.append(mid if g == mid_old else
                         _divisor_at_most(mid, int(round(g * f))))
        return dict(type='ViPNAS_MobileNetV3', wid=wid, group=group,
                    dep=[None, 1, 1, 2, 2, 1, 1])
    raise ValueError(f'unknown hand-designed family {family!r}')


#: width-factor range searched by the bisection, per family
HAND_RANGE = {'resnet': (0.25, 4.0), 'mobilenetv2': (0.05, 2.0),
              'litehrnet': (0.1, 2.0), 'vipnas_resnet': (0.05, 1.0),
              'vipnas_mbv3': (0.05, 2.0)}


def heatmap_head(backbone) -> dict:
    """HeatmapHead fields for ``backbone``: deconvs up to stride 4."""
    import torch
    backbone.eval()
    with torch.no_grad():
        out = backbone(torch.zeros(1, 3, INPUT, INPUT))[-1]
    stride = INPUT // out.shape[-1]
    n = int(round(math.log2(stride / (INPUT // HEATMAP))))
    if n < 0:
        raise ValueError(f'backbone output stride {stride} < 4')
    return dict(in_channels=int(out.shape[1]),
                deconv_out_channels=(DECONV_CHANNELS, ) * n or None,
                deconv_kernel_sizes=(4, ) * n or None)


def hand_model_cfg(template: dict, family: str, f: float
                   ) -> Tuple[dict, dict]:
    """(backbone cfg, head updates) of ``family`` at factor ``f``."""
    bb = hand_backbone(family, f)
    head = heatmap_head(build_model(dict(bb)))
    return bb, head


def hand_macs_of(template: dict, family: str) -> Callable[[float], float]:
    def macs_of(f):
        bb, head = hand_model_cfg(template, family, f)
        model_cfg = copy.deepcopy(template)
        model_cfg['backbone'] = bb
        model_cfg['head'].update(head)
        return model_macs(build_model(model_cfg))
    return macs_of


# --------------------------------------------------------------------------
# running
# --------------------------------------------------------------------------
def run_logged(cmd: List[str], log: str) -> None:
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1',
               PYTHONPATH=REPO + os.pathsep + os.environ.get('PYTHONPATH',
                                                              ''))
    os.makedirs(osp.dirname(log), exist_ok=True)
    with open(log, 'a') as f:
        f.write('$ ' + ' '.join(cmd) + '\n')
        f.flush()
        proc = subprocess.run(cmd, cwd=REPO, env=env, stdout=f,
                              stderr=subprocess.STDOUT)
    if proc.returncode:
        raise RuntimeError(f'{" ".join(cmd[1:3])} failed (exit '
                           f'{proc.returncode}); see {log}')


def last_checkpoint(work_dir: str) -> str:
    path = osp.join(work_dir, 'last_checkpoint')
    if not osp.exists(path):
        raise FileNotFoundError(f'{path}: no checkpoint written')
    with open(path) as f:
        return f.read().strip()


def read_json(path: str) -> Optional[dict]:
    if not osp.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def write_json(path: str, data: dict) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True) +
                      '\n')


class Study:
    """Phases: searches, row preparation, retrains (cached), report."""

    def __init__(self, args, rows: List[Row], all_rows: List[Row],
                 sched: Schedule) -> None:
        self.args = args
        self.rows = rows
        self.by_name = {r.name: r for r in all_rows}
        self.sched = sched
        self.wd = osp.abspath(args.work_dir)
        self.data = osp.abspath(args.data)
        self.py = sys.executable

    # ---- searches
    def search_source(self, row: Row) -> Row:
        """The row whose search ``row`` derives from (``from`` or itself)."""
        if row.search and 'from' in row.search:
            return self.by_name[row.search['from']]
        return row

    def search_done(self, row: Row) -> bool:
        """Whether the search of ``row`` has finished (``done.json``)."""
        return read_json(osp.join(self.wd, 'search', row.name,
                                  'done.json')) is not None

    def search_rows(self) -> List[Row]:
        """Every search the selected rows need (their refs included)."""
        need = []
        for r in self.rows:
            for name in (r.name, r.ref):
                row = self.by_name.get(name) if name else None
                if row is None or not (row.search or row.group ==
                                       'external'):
                    continue
                src = self.search_source(row)
                if src not in need:
                    need.append(src)
        return need

    def genotype_path(self, row: Row) -> str:
        return osp.join(self.wd, 'rows', row.name, 'genotype.json')

    def write_search_config(self, row: Row) -> str:
        """Search config of ``row`` (main thread: MMEngine's config
        loading is not thread-safe)."""
        wd = osp.join(self.wd, 'search', row.name)
        path = osp.join(wd, 'search_config.py')
        if not osp.exists(path):
            dump_config(search_config(row, self.data, self.sched), path,
                        f'search of row {row.name}: {row.label}')
        return path

    def run_search(self, row: Row) -> str:
        """Run one search (a worker thread: subprocesses only)."""
        wd = osp.join(self.wd, 'search', row.name)
        done = osp.join(wd, 'done.json')
        if read_json(done):
            return wd
        cfg = osp.join(wd, 'search_config.py')
        t0 = time.time()
        run_logged([self.py, 'tools/train.py', cfg, '--work-dir', wd,
                    '--no-validate'],
                   osp.join(wd, 'run.log'))
        write_json(done, dict(wall_s=time.time() - t0,
                              checkpoint=last_checkpoint(wd)))
        return wd

    def derive(self, row: Row) -> str:
        out = self.genotype_path(row)
        if osp.exists(out):
            return out
        wd = osp.join(self.wd, 'search', self.search_source(row).name)
        cmd = [self.py, 'tools/derive.py', osp.join(wd, 'search_config.py'),
               last_checkpoint(wd), '--out', out]
        if row.derive_options:
            cmd += ['--cfg-options'] + [f'{k}={v}' for k, v in
                                        row.derive_options.items()]
        run_logged(cmd, osp.join(self.wd, 'rows', row.name, 'derive.log'))
        return out

    # ---- row preparation (config + cost)
    def prepare(self, row: Row) -> Optional[dict]:
        path = osp.join(self.wd, 'rows', row.name, 'row.json')
        info = read_json(path)
        if info is not None:
            return info
        note = ''
        extra: Dict[str, Any] = {}
        if row.group in ('searched', 'remedy', 'external'):
            geno = self.derive(row)
            cfg = retrain_config(row, self.data, self.sched, genotype=geno)
            caps = skip_caps(geno)
            if caps:
                note = 'skip cap bit: ' + ', '.join(caps)
        elif row.group == 'random':
            pick = self.random_genotypes(self.by_name[row.ref])[row.index]
            geno = self.genotype_path(row)
            write_json(geno, pick['genotype'])
            cfg = retrain_config(row, self.data, self.sched, genotype=geno)
            note = f'{pick["tries"]} tries'
            extra['alpha_seed'] = pick['seed']
        elif row.group == 'hand':
            ref = self.prepare(self.by_name[row.ref])
            template = retrain_config(row, self.data, self.sched,
                                      genotype='x')['model']
            lo, hi = HAND_RANGE[row.backbone]
            try:
                f, macs, evals = bisect_scale(
                    hand_macs_of(template, row.backbone), ref['macs'], lo,
                    hi)
            except ValueError as e:
                print(f'[skip] {row.name}: {e}')
                return None
            bb, head = hand_model_cfg(template, row.backbone, f)
            cfg = retrain_config(row, self.data, self.sched, backbone=bb,
                                 head=head)
            note = f'factor {f:.3g}, {macs / ref["macs"]:.0%} of ' \
                f'{row.ref} MACs'
            extra['bisection'] = evals
        else:
            raise ValueError(row.group)
        cfg_path = dump_config(cfg, osp.join(self.wd, 'rows', row.name,
                                             'retrain_config.py'),
                               f'retrain of row {row.name}: {row.label}')
        model = build_model(cfg['model'])
        info = dict(row=row.name, config=cfg_path, params=num_params(model),
                    macs=model_macs(model), latency_ms=cpu_latency_ms(model),
                    note=note, **extra)
        write_json(path, info)
        return info

    def random_genotypes(self, ref: Row) -> List[dict]:
        path = osp.join(self.wd, 'rows', f'{ref.name}-random.json')
        cached = read_json(path)
        num = max(r.index + 1 for r in self.by_name.values()
                  if r.ref == ref.name and r.group == 'random')
        if cached is not None and len(cached['genotypes']) >= num:
            return cached['genotypes']
        ref_info = self.prepare(ref)
        search_cfg = search_config(ref, self.data, self.sched)
        supernet = build_model(search_cfg['model']).backbone
        searched = read_json(self.genotype_path(ref))
        template = retrain_config(ref, self.data, self.sched, genotype='x')

        def params_of(genotype):
            cfg = copy.deepcopy(template['model'])
            cfg['backbone']['genotype'] = genotype
            return num_params(build_model(cfg))

        picks = sample_random_genotypes(supernet, params_of,
                                        ref_info['params'], num,
                                        exclude=[searched])
        write_json(path, dict(target_params=ref_info['params'],
                              genotypes=picks))
        return picks

    # ---- retrains
    def result_path(self, row: Row, seed: int) -> str:
        return osp.join(self.wd, 'results', row.name, f'seed{seed}.json')

    def retrain(self, row: Row, info: dict, seed: int) -> dict:
        path = self.result_path(row, seed)
        cached = read_json(path)
        if cached is not None:
            return cached
        wd = osp.join(self.wd, 'runs', row.name, f'seed{seed}')
        log = osp.join(wd, 'run.log')
        t0 = time.time()
        run_logged([self.py, 'tools/train.py', info['config'], '--work-dir',
                    wd, '--no-validate', '--cfg-options',
                    f'randomness.seed={seed}'], log)
        metrics_file = osp.join(wd, 'metrics.json')
        run_logged([self.py, 'tools/test.py', info['config'],
                    last_checkpoint(wd), '--work-dir', wd, '--out',
                    metrics_file], log)
        raw = read_json(metrics_file)
        metrics = {}
        for key, _, _ in METRICS[row.chain]:
            hits = [k for k in raw if k == key or k.endswith('/' + key)]
            if not hits:
                raise KeyError(f'{metrics_file}: no metric {key!r} in '
                               f'{sorted(raw)}')
            metrics[key] = float(raw[hits[0]])
        result = dict(row=row.name, seed=seed, chain=row.chain,
                      group=row.group, label=row.label, metrics=metrics,
                      params=info['params'], macs=info['macs'],
                      latency_ms=info['latency_ms'], note=info['note'],
                      wall_s=time.time() - t0, config=info['config'])
        write_json(path, result)
        return result


def job_minutes(study: Study, searches: List[Row],
                results: List[dict]) -> float:
    """Minutes of job time the study's runs took (from their records).

    Cached runs count with the time they took when they ran, so a re-run
    that only rewrites the report still states what the study cost.
    """
    total = sum(r.get('wall_s', 0.0) for r in results)
    for row in searches:
        done = read_json(osp.join(study.wd, 'search', row.name, 'done.json'))
        total += (done or {}).get('wall_s', 0.0)
    return total / 60


def remeasure_latency(study: Study, rows: List[Row], infos: Dict[str, dict],
                      results: List[dict]) -> None:
    """Measure every row's CPU latency again, one after the other.

    Rows prepared while other runs trained (e.g. rows added to a running
    study) have latencies measured under load; this measures all rows in
    one quiet pass and updates ``rows/<row>/row.json`` and the results.
    """
    from mmengine.config import Config
    for row in rows:
        info = infos.get(row.name)
        if info is None:
            continue
        cfg = Config.fromfile(info['config']).to_dict()
        info['latency_ms'] = cpu_latency_ms(build_model(cfg['model']))
        write_json(osp.join(study.wd, 'rows', row.name, 'row.json'), info)
        print(f'latency {row.name}: {info["latency_ms"]:.2f} ms', flush=True)
    for r in results:
        if r['row'] in infos:
            r['latency_ms'] = infos[r['row']]['latency_ms']
            write_json(study.result_path(study.by_name[r['row']], r['seed']),
                       r)


def skip_caps(genotype_path: str) -> List[str]:
    """Cells whose skip cap bit (``extras['skip_cap']``)."""
    data = read_json(genotype_path) or {}
    return [f'{k} {v["extras"]["skip_cap"]}'
            for k, v in sorted(data.get('cells', {}).items())
            if (v.get('extras') or {}).get('skip_cap')]


def job_label(item) -> str:
    """'row' for a Row, 'row seed S' for a (Row, seed) pair."""
    if isinstance(item, Row):
        return item.name
    return f'{item[0].name} seed {item[1]}'


def pmap(fn, items, jobs: int):
    """``fn`` over ``items`` with ``jobs`` threads; errors reported."""
    out, errors = [], []
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [(job_label(it), pool.submit(fn, it)) for it in items]
        for it, fut in futures:
            try:
                out.append(fut.result())
            except Exception as e:  # report, keep the other jobs
                errors.append(f'{it}: {e}')
                print(f'[error] {it}: {e}', flush=True)
    return out, errors


# --------------------------------------------------------------------------
# time estimate
# --------------------------------------------------------------------------
def step_seconds(model_cfg: dict, batch: int, repeats: int = 3) -> float:
    """Median seconds of one forward + backward at ``batch``, 1 thread."""
    import torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    model = build_model(model_cfg)
    model.train()
    x = torch.randn(batch, 3, INPUT, INPUT)
    times = []
    try:
        for _ in range(repeats + 1):
            t0 = time.perf_counter()
            out = model._forward(x)
            out = out if isinstance(out, torch.Tensor) else out[0]
            out.float().mean().backward()
            times.append(time.perf_counter() - t0)
    finally:
        torch.set_num_threads(threads)
    return statistics.median(times[1:])


def image_seconds(cfg: dict, n: int = 16) -> float:
    """Seconds to load and transform one training image."""
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS
    init_default_scope('mmpose')
    ds_cfg = copy.deepcopy(cfg['train_dataloader']['dataset'])
    ds_cfg['indices'] = n
    ds = DATASETS.build(ds_cfg)
    t0 = time.perf_counter()
    for i in range(len(ds)):
        ds[i]
    return (time.perf_counter() - t0) / max(1, len(ds))


#: one α step relative to one weight step, measured in the full study
#: (1 thread, 2 jobs, batch 16): first order ~1.1 (2D: 1.8 s per weight
#: step, 3.75 s with the α step); second order ~5 (the unrolled step: 2D
#: 1.8 -> 11.4 s, 3D 2.4 -> 14 s per iteration)
ARCH_FACTOR = {'first_order': 1.1, 'second_order': 5.0}
STARTUP_S = 25.0  # interpreter, registries, dataset, test run


def estimate(study: Study, searches: List[Row], seeds: List[int]
             ) -> Tuple[float, Dict[str, float]]:
    """Seconds of the study on ``--jobs`` workers, from measured steps."""
    sched, data = study.sched, study.data
    per = {}
    img = {}
    for row in searches:
        if row.group == 'external':
            continue
        cfg = search_config(row, data, sched)
        if row.chain not in img:
            img[row.chain] = image_seconds(cfg)
        step = step_seconds(cfg['model'], sched.batch)
        mode = (row.search or {}).get('mode', 'first_order')
        iters = sched.search_epochs * (sched.train_images // sched.batch)
        per['search:' + row.name] = STARTUP_S + iters * (
            (step + sched.batch * img[row.chain]) *
            (1 + ARCH_FACTOR[mode] * (sched.search_epochs - 1) /
             max(1, sched.search_epochs)))
    # retrain: the supernet's derived genotype at its initial α
    retrain_step = {}
    for chain, ref in (('2d', 'darts-fo'), ('3d', 'pa-fo')):
        if not any(r.chain == chain for r in study.rows):
            continue
        row = study.by_name[ref]
        scfg = search_config(row, data, sched)
        geno = build_model(scfg['model']).backbone.derive_genotype()
        cfg = retrain_config(row, data, sched, genotype=geno.to_dict())
        if chain not in img:
            img[chain] = image_seconds(cfg)
        retrain_step[chain] = step_seconds(cfg['model'], sched.batch)
    iters = sched.retrain_epochs * (sched.train_images // sched.batch)
    for row in study.rows:
        if row.chain in retrain_step:
            per[row.name] = len(seeds) * (STARTUP_S + iters * (
                retrain_step[row.chain] + sched.batch * img[row.chain]))
    return sum(per.values()) / max(1, study.args.jobs), per


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------
#: sized from measured runs (1 thread per job, 2 jobs): the fixed DARTS
#: network of the 2D chain trains 400 iterations of batch 16 in ~90 s and
#: reaches COCO AP ~0.27 at Adam 8e-3 (0.16 at batch 32 / 6e-3, 0.06 at
#: batch 32 / 2e-3, same images; docs/search_quality.md, "Schedule").
FULL = Schedule(search_epochs=3, retrain_epochs=8, train_images=640,
                arch_images=256, batch=16, lr=8e-3)
QUICK = Schedule(search_epochs=3, retrain_epochs=8, train_images=640,
                 arch_images=256, batch=16, lr=8e-3)


def check_schedule(path: str, sched: Schedule, data: str) -> None:
    """Refuse to resume a work dir cached under another schedule / data."""
    from dataclasses import asdict
    want = dict(asdict(sched), data=data)
    have = read_json(path)
    if have is None:
        write_json(path, want)
    elif have != want:
        raise ValueError(
            f'{path}: this work dir holds results of schedule {have}, not '
            f'{want}; use another --work-dir (cached results would mix)')


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--work-dir', default='work_dirs/search_quality')
    p.add_argument('--data', default='data/synthetic',
                   help='proxy-figure folder (generated when missing)')
    p.add_argument('--quick', action='store_true',
                   help='1 seed, rows ' + ', '.join(QUICK_ROWS))
    p.add_argument('--seeds', type=int, nargs='+',
                   help='retrain seeds (default 0 1 2; --quick: 0)')
    p.add_argument('--rows', nargs='+', help='only these rows')
    p.add_argument('--num-random', type=int, default=5)
    p.add_argument('--jobs', type=int, default=2,
                   help='parallel subprocesses (1 thread each)')
    p.add_argument('--search-epochs', type=int)
    p.add_argument('--retrain-epochs', type=int)
    p.add_argument('--train-images', type=int)
    p.add_argument('--arch-images', type=int)
    p.add_argument('--batch', type=int, help='batch size of every run')
    p.add_argument('--lr', type=float, help='Adam lr of every retrain')
    p.add_argument('--estimate-only', action='store_true')
    p.add_argument('--report-only', action='store_true',
                   help='run nothing: the report of the cached results (a '
                   'study still running, or an interrupted one)')
    p.add_argument('--remeasure-latency', action='store_true',
                   help='measure every row\'s CPU latency again, one after '
                   'the other, before the report')
    p.add_argument('--docs', action='store_true',
                   help='copy table and plot into docs/search_quality.md')
    return p.parse_args(argv)


def schedule_of(args) -> Schedule:
    s = copy.copy(QUICK if args.quick else FULL)
    for k in ('search_epochs', 'retrain_epochs', 'train_images',
              'arch_images', 'batch', 'lr'):
        if getattr(args, k) is not None:
            setattr(s, k, getattr(args, k))
    return s


def main(argv=None) -> dict:
    args = parse_args(argv)
    t_start = time.time()
    command = 'OMP_NUM_THREADS=1 python benchmarks/search_quality.py ' + \
        ' '.join(argv if argv is not None else sys.argv[1:])
    seeds = args.seeds or ([0] if args.quick else [0, 1, 2])
    sched = schedule_of(args)
    all_rows = default_rows(args.num_random)
    names = args.rows or (QUICK_ROWS if args.quick else None)
    rows = []
    for row in select_rows(all_rows, names):
        if row.group == 'external' and external_configs(row) is None:
            print(f'[skip] {row.name}: no config matches {row.configs} '
                  '(not in this checkout yet)')
            continue
        rows.append(row)

    from mmposenas.datasets.synthetic import ensure_synthetic_figures
    t0 = time.time()
    ensure_synthetic_figures(args.data, workers=max(1, args.jobs))
    print(f'data: {args.data} ({time.time() - t0:.0f} s)')

    check_schedule(osp.join(osp.abspath(args.work_dir), 'schedule.json'),
                   sched, osp.abspath(args.data))
    study = Study(args, rows, all_rows, sched)
    searches = study.search_rows()
    print(f'schedule: {sched}; seeds {seeds}; {len(rows)} rows, '
          f'{len(searches)} searches, {args.jobs} job(s) x 1 thread')
    total, per = (0.0, {}) if args.report_only else \
        estimate(study, searches, seeds)
    for k, v in per.items():
        print(f'  estimate {k:28s} {v / 60:6.1f} min')
    print(f'estimated wall time: {total / 60:.1f} min (measured steps, '
          f'{args.jobs} parallel jobs)', flush=True)
    if args.estimate_only:
        return dict(estimate_s=total)

    t0 = time.time()
    for row in searches:
        study.write_search_config(row)
    # longest first, so that the last search does not run alone
    searches = sorted(searches, key=lambda r: -per.get('search:' + r.name,
                                                       STARTUP_S))
    if args.report_only:  # only searches that finished
        unfinished = [r for r in searches if not study.search_done(r)]
        errors = [f'{r.name}: search not finished' for r in unfinished]
        rows = [r for r in rows if r.group in ('hand', 'random') or
                study.search_source(r) not in unfinished]
        study.rows = rows
    else:
        _, errors = pmap(study.run_search, searches, args.jobs)
    print(f'searches done in {time.time() - t0:.0f} s', flush=True)
    infos = {}
    for row in rows:
        try:
            info = study.prepare(row)
        except Exception as e:  # a failed search or bisection skips its row
            errors.append(f'{row.name}: {e}')
            print(f'[error] {row.name}: {e}', flush=True)
            continue
        if info is not None:
            infos[row.name] = info
            print(f'row {row.name}: {info["params"] / 1e6:.3f} M params, '
                  f'{info["macs"] / 1e6:.1f} M MACs, '
                  f'{info["latency_ms"]:.2f} ms {info["note"]}', flush=True)
    jobs = [(r, s) for s in seeds for r in rows if r.name in infos]
    t0 = time.time()
    if args.report_only:  # cached results only
        results = [read_json(study.result_path(r, s)) for r, s in jobs]
        errs = [f'{r.name} seed {s}: not run yet' for (r, s), res in
                zip(jobs, results) if res is None]
        results = [res for res in results if res is not None]
    else:
        results, errs = pmap(lambda rs: study.retrain(
            rs[0], infos[rs[0].name], rs[1]), jobs, args.jobs)
    errors += errs
    print(f'retrains done in {time.time() - t0:.0f} s', flush=True)
    if args.remeasure_latency:
        remeasure_latency(study, rows, infos, results)

    agg = aggregate(results)
    png = osp.join(study.wd, 'search_quality.png')
    write_plot(agg, png)
    wall = time.time() - t_start
    header = (f'{"Smoke run (--quick): too short to conclude anything. " if args.quick else ""}'  # noqa: E501
              f'Schedule: {sched.search_epochs} search epochs, '
              f'{sched.retrain_epochs} retrain epochs, '
              f'{sched.train_images} training images, batch {sched.batch}, '
              f'seeds {seeds}; wall time {wall / 60:.1f} min on '
              f'{args.jobs} job(s) x 1 thread; the runs themselves '
              f'(searches + retrains, cached ones included) took '
              f'{job_minutes(study, searches, results):.0f} job-minutes.\n')
    genotypes = {r.name: read_json(study.genotype_path(r)) for r in rows
                 if r.group != 'hand' and
                 osp.exists(study.genotype_path(r))}
    md = report_markdown(agg, all_rows, command, 'search_quality.png',
                         header, genotypes=genotypes)
    if errors:
        md += '\nErrors:\n\n' + '\n'.join(f'- {e}' for e in errors) + '\n'
    atomic_write_text(osp.join(study.wd, 'search_quality.md'), md)
    print(md)
    if args.docs:
        doc = osp.join(REPO, 'docs', 'search_quality.md')
        text = open(doc).read() if osp.exists(doc) else \
            '# Search quality\n'
        png_doc = 'search_quality_quick.png' if args.quick else \
            'search_quality.png'
        shutil.copyfile(png, osp.join(REPO, 'docs', png_doc))
        atomic_write_text(doc, replace_between_markers(
            text, md.replace('(search_quality.png)', f'({png_doc})')))
        print(f'wrote {doc}')
    return dict(aggregate=agg, errors=errors, wall_s=wall)


if __name__ == '__main__':
    main()
