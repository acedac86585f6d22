"""Pictures of genotypes: cells, network-level choices, α entropy over time.

Generic over every method's genotype (``mmposenas.genotype/v1``):

* every cell type -> ``cell_<type>.png``: input nodes, intermediate nodes,
  the output (concatenation) node, one arrow per kept edge labelled with its
  op. Graphviz draws it when its ``dot`` binary is on ``PATH``, matplotlib
  otherwise. Intermediate nodes of a cell whose extras hold ``node_groups``
  (a list, per intermediate node, of joint indices; written by
  ``PartAwareNASBackbone`` for fusion cells) are labelled with the joint
  names of their body-part group.
* network-level choices from the genotype extras (drawn when present):

  - ``extras['branches']``: list over modules (stages) of lists over
    branches (scales, finest first) of 0/1 flags — kept branches per
    module (AutoPose-style multi-branch networks) -> ``branches.png``;
    optional ``extras['branch_names']`` labels the branches.
  - ``extras['fabric_beta']``: nested list ``(L, S, 3)`` — for layer
    ``l`` and scale ``s`` the weights of the three incoming paths from
    layer ``l - 1`` at scales ``s - 1`` (finer), ``s`` and ``s + 1``
    (coarser) (PoseNFS-style cell-based neural fabric) -> ``fabric.png``,
    edge widths proportional to β.

  - PoseNFS cells (``fabric<p>_cell``, ``backbone_cell``) whose extras hold
    ``beta`` (one ``{layer, scale, weights: [finer, same, coarser]}`` per
    fabric cell, as ``PartFabricBackbone.derive_genotype`` writes them) ->
    ``fabric_<cell type>.png``: the fabric's cells at (layer, scale), one
    edge per existing neighbour whose width and opacity grow with its β
    weight, and the cell's op choices (and op weights) beside it.

* ``genotype_history.json`` of ``GenotypeExportHook`` -> ``arch_entropy.png``
  (normalised α entropy per α key over epochs).
"""
import os
import os.path as osp
import shutil
import subprocess
from typing import Dict, List, Optional, Sequence

from matplotlib.figure import Figure

from mmposenas.models.search import CellGenotype, Genotype


def _subplots(width: float, height: float):
    """A figure and axes off pyplot (no global backend or state)."""
    fig = Figure(figsize=(width, height))
    return fig, fig.add_subplot(1, 1, 1)


def _input_name(j: int, num_inputs: int) -> str:
    """``c_{k-2}``, ``c_{k-1}`` for two inputs (DARTS), else ``in<j>``."""
    if num_inputs == 2:
        return f'c_{{k-{2 - j}}}'
    return f'in{j}'


def node_labels(cell: CellGenotype,
                joint_names: Optional[Sequence[str]] = None) -> List[str]:
    """Labels of all nodes: the inputs, then the intermediate nodes.

    Intermediate node ``i`` is ``str(i)``; with ``cell.extras['node_groups']``
    its joint names (``joint_names[k]``, else ``k``) follow on a new line.
    """
    labels = [_input_name(j, cell.num_inputs) for j in range(cell.num_inputs)]
    groups = cell.extras.get('node_groups')
    if groups is not None and len(groups) != cell.num_nodes:
        raise ValueError(f'cell extras node_groups has {len(groups)} groups '
                         f'for {cell.num_nodes} intermediate nodes')
    for i in range(cell.num_nodes):
        label = str(i)
        if groups is not None:
            names = [
                joint_names[k] if joint_names is not None
                and k < len(joint_names) else str(k) for k in groups[i]
            ]
            label += '\n' + '\n'.join(names)
        labels.append(label)
    return labels


def cell_to_dot(cell: CellGenotype, name: str,
                joint_names: Optional[Sequence[str]] = None) -> str:
    """The cell as a Graphviz DOT graph (left to right)."""
    labels = node_labels(cell, joint_names)
    lines = [f'digraph "{name}" {{', '  rankdir=LR;',
             '  node [shape=box, style="rounded,filled", fontsize=12];']
    for j in range(cell.num_inputs):
        lines.append(f'  n{j} [label="{labels[j]}", fillcolor=darkseagreen2];')
    for i in range(cell.num_nodes):
        k = cell.num_inputs + i
        text = labels[k].replace('\n', '\\n')
        lines.append(f'  n{k} [label="{text}", fillcolor=lightblue];')
    lines.append('  out [label="c_{k}", fillcolor=palegoldenrod];')
    for i, node in enumerate(cell.nodes):
        for op, j in node:
            lines.append(f'  n{j} -> n{cell.num_inputs + i} '
                         f'[label="{op}", fontsize=10];')
    for c in cell.concat:
        lines.append(f'  n{c} -> out [color=gray];')
    lines.append('}')
    return '\n'.join(lines) + '\n'


def _draw_cell_matplotlib(cell: CellGenotype, path: str, title: str,
                          joint_names: Optional[Sequence[str]]) -> None:
    labels = node_labels(cell, joint_names)
    n_in, n_mid = cell.num_inputs, cell.num_nodes
    pos = {}
    for j in range(n_in):
        pos[j] = (0.0, (n_in - 1) / 2.0 - j)
    for i in range(n_mid):
        # zig-zag so that edges skipping nodes do not overlap
        pos[n_in + i] = (1.0 + i, 0.9 if i % 2 else 0.0)
    pos['out'] = (n_mid + 1.0, 0.0)
    fig, ax = _subplots(*(2.2 * (n_mid + 2), 3.6))
    colours = ['#b4dcb4'] * n_in + ['#add8e6'] * n_mid
    for k, (x, y) in ((k, p) for k, p in pos.items() if k != 'out'):
        head, _, group = labels[k].partition('\n')
        ax.text(x, y, head, ha='center', va='center', fontsize=9,
                bbox=dict(boxstyle='round', fc=colours[k], ec='black'),
                zorder=3)
        if group:  # joint names of the node's body-part group, below it
            ax.text(x, y - 0.22, group, ha='center', va='top',
                    fontsize=6.5, color='#333333', zorder=3)
    ax.text(*pos['out'], 'c_{k}', ha='center', va='center', fontsize=9,
            bbox=dict(boxstyle='round', fc='#eee8aa', ec='black'), zorder=3)
    for i, node in enumerate(cell.nodes):
        for e, (op, j) in enumerate(node):
            (x0, y0), (x1, y1) = pos[j], pos[n_in + i]
            bend = 0.3 * (e - (len(node) - 1) / 2.0) + 0.15
            ax.annotate('', xy=(x1, y1), xytext=(x0, y0),
                        arrowprops=dict(arrowstyle='->', lw=1.2,
                                        connectionstyle=f'arc3,rad={bend}',
                                        shrinkA=10, shrinkB=10))
            # midpoint of matplotlib's arc3 quadratic Bezier curve
            mx = (x0 + x1) / 2 + 0.5 * bend * (y1 - y0)
            my = (y0 + y1) / 2 - 0.5 * bend * (x1 - x0)
            ax.text(mx, my, op, fontsize=7, ha='center', va='center',
                    color='darkred', zorder=4,
                    bbox=dict(fc='white', ec='none', alpha=0.8, pad=0.5))
    for c in cell.concat:
        (x0, y0), (x1, y1) = pos[c], pos['out']
        ax.annotate('', xy=(x1, y1), xytext=(x0, y0),
                    arrowprops=dict(arrowstyle='->', color='gray',
                                    shrinkA=14, shrinkB=14))
    ax.set_xlim(-0.7, n_mid + 1.7)
    ax.set_ylim(-2.4, 1.6)
    ax.set_title(title)
    ax.axis('off')
    fig.tight_layout()
    fig.savefig(path, dpi=80)


def draw_cell(cell: CellGenotype, path: str, title: str = 'cell',
              joint_names: Optional[Sequence[str]] = None,
              engine: str = 'auto') -> str:
    """Write a PNG of one cell; returns the engine used.

    Args:
        engine (str): ``'graphviz'``, ``'matplotlib'`` or ``'auto'``
            (graphviz when ``dot`` is on ``PATH``).
    """
    dot = shutil.which('dot')
    if engine == 'graphviz' and dot is None:
        raise RuntimeError('engine graphviz needs the `dot` binary on PATH')
    if engine == 'graphviz' or (engine == 'auto' and dot is not None):
        subprocess.run([dot, '-Tpng', '-o', path],
                       input=cell_to_dot(cell, title, joint_names),
                       text=True, check=True)
        return 'graphviz'
    _draw_cell_matplotlib(cell, path, title, joint_names)
    return 'matplotlib'


def module_branches(extras: Dict) -> List[List[int]]:
    """``extras['branches']`` as one 0/1 row per module.

    AutoPose genotypes with ``branch_decisions='stage'`` hold one row per
    stage; each is repeated ``modules_per_stage`` times. Other genotypes'
    rows are taken as they are.

    Raises:
        ValueError: A flag is not 0/1 (naming ``extras.branches[i][j]``).
    """
    rows = extras['branches']
    for i, row in enumerate(rows):
        for j, flag in enumerate(row):
            if flag not in (0, 1) or isinstance(flag, float):
                raise ValueError(f'extras.branches[{i}][{j}]: expected 0 or '
                                 f'1, found {flag!r}')
    rows = [[int(f) for f in row] for row in rows]
    if extras.get('branch_decisions') == 'stage':
        repeat = int(extras.get('modules_per_stage', 1))
        rows = [list(row) for row in rows for _ in range(repeat)]
    return rows


def draw_branches(branches: Sequence[Sequence[int]], path: str,
                  names: Optional[Sequence[str]] = None) -> Figure:
    """Kept branches per module: a modules × branches grid with links.

    Module ``m``, branch ``b`` is the square at ``(m, -b)``, filled
    (``tab:blue``) when the branch is kept, white otherwise.

    Returns:
        Figure: The figure written to ``path``.
    """
    num_branches = max(len(m) for m in branches)
    fig, ax = _subplots(*(1.2 * len(branches) + 2,
                                    0.8 * num_branches + 1.5))
    for m, flags in enumerate(branches):
        for b, flag in enumerate(flags):
            ax.scatter(m, -b, s=300, marker='s', zorder=3,
                       c='tab:blue' if flag else 'white', edgecolors='black')
        if m:
            for b, flag in enumerate(flags):
                for b0, flag0 in enumerate(branches[m - 1]):
                    if flag and flag0:
                        ax.plot([m - 1, m], [-b0, -b], color='gray', lw=0.8)
    ax.set_xticks(range(len(branches)))
    ax.set_xticklabels([f'module {m}' for m in range(len(branches))],
                       rotation=45)
    ax.set_yticks([-b for b in range(num_branches)])
    ax.set_yticklabels(names if names else
                       [f'branch {b}' for b in range(num_branches)])
    ax.set_title('kept branches per module')
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    return fig


def draw_fabric(beta: Sequence[Sequence[Sequence[float]]], path: str) -> None:
    """A neural fabric (layers × scales); edge width ∝ β of the path."""
    num_layers, num_scales = len(beta), len(beta[0])
    fig, ax = _subplots(*(1.0 * num_layers + 2,
                                    0.9 * num_scales + 1.5))
    for layer in range(num_layers):
        for s in range(num_scales):
            weights = beta[layer][s]
            if len(weights) != 3:
                raise ValueError(f'extras fabric_beta[{layer}][{s}] has '
                                 f'{len(weights)} weights; expected 3 '
                                 f'(from scales s-1, s, s+1)')
            for d, w in zip((-1, 0, 1), weights):
                src = s + d
                if layer == 0 or not 0 <= src < num_scales:
                    continue
                ax.plot([layer - 1, layer], [-src, -s], color='tab:red',
                        lw=0.3 + 4.0 * float(w), alpha=0.8)
            ax.scatter(layer, -s, s=60, c='black', zorder=3)
    ax.set_xlabel('layer')
    ax.set_yticks([-s for s in range(num_scales)])
    ax.set_yticklabels([f'scale {s}' for s in range(num_scales)])
    ax.set_title('fabric paths (width ∝ β)')
    fig.tight_layout()
    fig.savefig(path, dpi=80)


def draw_entropy_history(history: Sequence[Dict], path: str) -> List[str]:
    """Normalised α entropy per key over epochs; returns the keys drawn."""
    if not history:
        raise ValueError('genotype history is empty')
    keys = sorted({k for h in history for k in h.get('entropy', {})})
    fig, ax = _subplots(*(5, 3.2))
    for key in keys:
        points = [(h['epoch'], h['entropy'][key]) for h in history
                  if key in h.get('entropy', {})]
        ax.plot([p[0] for p in points], [p[1] for p in points], marker='o',
                label=key)
    ax.set_xlabel('epoch')
    ax.set_ylabel('normalised α entropy')
    ax.set_title('architecture entropy')
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    return keys


def draw_genotype(genotype: Genotype, out_dir: str,
                  joint_names: Optional[Sequence[str]] = None,
                  history: Optional[Sequence[Dict]] = None,
                  engine: str = 'auto') -> List[str]:
    """Every picture of a genotype (and its history) into ``out_dir``.

    Returns:
        list[str]: The PNG files written.
    """
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for cell_type, cell in genotype.cells.items():
        path = osp.join(out_dir, f'cell_{cell_type}.png')
        draw_cell(cell, path, f'{cell_type} cell', joint_names, engine)
        written.append(path)
    extras = genotype.extras
    if 'branches' in extras:
        path = osp.join(out_dir, 'branches.png')
        names = extras.get('branch_names')
        if names is None and 'search_channels' in extras:  # AutoPose scales
            names = [f'{2 ** (b + 2)}x' for b in range(
                len(extras['search_channels']))]
        draw_branches(module_branches(extras), path, names)
        written.append(path)
    if 'fabric_beta' in extras:
        path = osp.join(out_dir, 'fabric.png')
        draw_fabric(extras['fabric_beta'], path)
        written.append(path)
    for cell_type, cell in genotype.cells.items():
        if isinstance(cell.extras.get('beta'), list):
            path = osp.join(out_dir, f'fabric_{cell_type}.png')
            draw_fabric_cell(cell, path, cell_type)
            written.append(path)
    if history:
        path = osp.join(out_dir, 'arch_entropy.png')
        draw_entropy_history(history, path)
        written.append(path)
    return written


def joint_names_from_meta(dataset_meta: Optional[Dict]) -> Optional[List[str]]:
    """Joint names in index order from MMPose dataset meta (or ``None``)."""
    if not dataset_meta or 'keypoint_id2name' not in dataset_meta:
        return None
    id2name = dataset_meta['keypoint_id2name']
    return [id2name[k] for k in sorted(id2name)]


#: Line width of a β edge: ``FABRIC_LW0 + FABRIC_LW_SCALE * weight``.
FABRIC_LW0, FABRIC_LW_SCALE = 0.5, 5.0


def draw_fabric_cell(cell: CellGenotype, path: str,
                     title: str = 'fabric') -> Dict[tuple, float]:
    """Draw one PoseNFS fabric with its per-cell β weights and ops.

    Args:
        cell (CellGenotype): A fabric cell genotype whose ``extras['beta']``
            lists ``{layer, scale, weights: [finer, same, coarser]}`` per
            fabric cell (``None`` for a missing neighbour).
        path (str): PNG to write.
        title (str): Figure title (e.g. the cell type).

    Returns:
        dict[tuple, float]: ``(layer, scale, k) -> weight`` of every edge
        drawn (``k`` = 0 finer, 1 same, 2 coarser), read back from the
        drawn line widths.

    Raises:
        ValueError: A malformed ``extras.beta`` row (naming its index).
    """
    rows = cell.extras.get('beta')
    if not isinstance(rows, list) or not rows:
        raise ValueError(f'{title}: extras.beta must be a non-empty list of '
                         f'{{layer, scale, weights}}, got {rows!r}')
    cells = []
    for idx, row in enumerate(rows):
        ws = row.get('weights') if isinstance(row, dict) else None
        if not isinstance(ws, list) or len(ws) != 3 or \
                not isinstance(row.get('layer'), int) or \
                not isinstance(row.get('scale'), int):
            raise ValueError(f'{title}: extras.beta[{idx}] must be '
                             f'{{layer: int, scale: int, weights: [finer, '
                             f'same, coarser]}}, got {row!r}')
        cells.append((row['layer'], row['scale'], ws))
    first = min(c[0] for c in cells)
    layers = sorted({c[0] for c in cells})
    lowest = max(s - 1 + k for _, s, ws in cells
                 for k, w in enumerate(ws) if w is not None)
    lowest = max(lowest, max(c[1] for c in cells))
    fig, ax = _subplots(1.3 * (len(layers) + 1) + 3.2, 0.9 * lowest + 2.2)
    for j, s, ws in cells:
        for k, w in enumerate(ws):
            if w is None:
                continue
            src = s - 1 + k
            w = float(w)
            ax.plot([j - 1, j], [-src, -s], color='tab:red',
                    lw=FABRIC_LW0 + FABRIC_LW_SCALE * w,
                    alpha=0.2 + 0.8 * min(max(w, 0.0), 1.0),
                    ls='-' if w > 0 else ':', gid=f'{j},{s},{k}', zorder=1)
        ax.scatter(j, -s, s=90, c='black', zorder=3)
    # the input level of the first layer (backbone pyramid or stem)
    inputs = {s - 1 + k for j, s, ws in cells if j == first
              for k, w in enumerate(ws) if w is not None}
    for s in sorted(inputs):
        ax.scatter(first - 1, -s, s=90, marker='s', c='tab:green', zorder=3)
    ops = []
    weights = cell.extras.get('op_weights')
    for i, node in enumerate(cell.nodes):
        for e, (op, src) in enumerate(node):
            name = 'in' if src == 0 else f'h{src}'
            extra = f' ({float(weights[i][e]):.2f})' if weights else ''
            ops.append(f'h{i + 1} <- {op}({name}){extra}')
    ax.text(max(layers) + 0.5, 0.0, 'ops (shared by the cells)\n' +
            '\n'.join(ops), va='top', ha='left', fontsize=7.5,
            family='monospace',
            bbox=dict(fc='#f4f4f4', ec='gray', boxstyle='round'))
    ax.set_xlim(first - 1.5, max(layers) + 3.4)
    ax.set_xticks([first - 1] + layers)
    ax.set_xticklabels(['input'] + [f'layer {j}' for j in layers])
    ax.set_ylim(-lowest - 0.5, 0.5)
    ax.set_yticks([-s for s in range(lowest + 1)])
    ax.set_yticklabels([f'1/{2 ** (s + 2)}' for s in range(lowest + 1)])
    ax.set_title(f'{title}: fabric paths (width and opacity ~ beta)')
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    drawn = {}
    for line in ax.lines:
        j, s, k = (int(v) for v in line.get_gid().split(','))
        drawn[(j, s, k)] = (line.get_linewidth() - FABRIC_LW0) / \
            FABRIC_LW_SCALE
    return drawn
