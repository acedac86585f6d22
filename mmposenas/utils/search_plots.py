"""PNG plots of a bi-level (cell + branch) search, drawn with matplotlib (Agg).

* :func:`plot_search_curves`: α entropy per cell type and policy entropy per
  epoch, reward per controller update (AutoPose Fig. 6).
* :func:`plot_branch_architecture`: the network-level architecture, one
  column per module and one row per branch scale, active branches filled
  (AutoPose Fig. 4).

Both write atomically (the figure is rendered to memory first).
"""
import io
from typing import Dict, List, Optional, Sequence

from .io import atomic_write_bytes


def _pyplot():
    import matplotlib
    matplotlib.use('Agg', force=False)
    import matplotlib.pyplot as plt
    return plt


def _save(fig, path: str) -> None:
    buf = io.BytesIO()
    fig.savefig(buf, format='png', dpi=110, bbox_inches='tight')
    _pyplot().close(fig)
    atomic_write_bytes(path, buf.getvalue())


def plot_search_curves(epochs: Sequence[Dict], updates: Sequence[Dict],
                       path: str, begin_epoch: Optional[int] = None) -> None:
    """Entropies per epoch and rewards per controller update.

    Args:
        epochs (Sequence[dict]): Per epoch: ``epoch`` (1-based),
            ``arch_entropy`` (dict key -> normalised entropy) and
            ``policy_entropy`` (normalised).
        updates (Sequence[dict]): Per controller update: ``reward`` (mean
            of its samples) and ``baseline``.
        path (str): PNG file to write.
        begin_epoch (int, optional): First (0-based) epoch after which the
            controller is updated (drawn as a line at 1-based epoch
            ``begin_epoch + 1``).
    """
    plt = _pyplot()
    fig, (ax_h, ax_r) = plt.subplots(1, 2, figsize=(10, 3.6))
    xs = [e['epoch'] for e in epochs]
    keys: List[str] = []
    for e in epochs:
        keys += [k for k in e.get('arch_entropy', {}) if k not in keys]
    for key in keys:
        ax_h.plot(xs, [e['arch_entropy'].get(key, float('nan'))
                       for e in epochs], marker='o', label=f'α {key}')
    ax_h.plot(xs, [e['policy_entropy'] for e in epochs], marker='s',
              label='branch policy')
    if begin_epoch is not None:  # first update after epoch begin_epoch + 1
        ax_h.axvline(begin_epoch + 1, color='gray', linestyle=':',
                     label='first controller update')
    ax_h.set_xlabel('epoch')
    ax_h.set_ylabel('normalised entropy')
    ax_h.set_ylim(-0.02, 1.02)
    ax_h.set_title('architecture entropy')
    ax_h.legend(fontsize=8)
    if updates:
        ux = list(range(1, len(updates) + 1))
        ax_r.plot(ux, [u['reward'] for u in updates], marker='.',
                  label='reward (mean of samples)')
        ax_r.plot(ux, [u['baseline'] for u in updates], label='baseline')
        ax_r.legend(fontsize=8)
    else:
        ax_r.text(0.5, 0.5, 'no controller update yet', ha='center',
                  va='center', transform=ax_r.transAxes)
    ax_r.set_xlabel('controller update')
    ax_r.set_ylabel('reward')
    ax_r.set_title('controller reward')
    fig.tight_layout()
    _save(fig, path)


def plot_branch_architecture(module_masks: Sequence[Sequence[int]],
                             channels: Sequence[int], path: str,
                             modules_per_stage: int = 1,
                             activation: Optional[Sequence[Sequence[float]]]
                             = None, title: str = '') -> None:
    """Draw which branch of which module is active.

    Args:
        module_masks (Sequence[Sequence[int]]): (M, B) bits per module.
        channels (Sequence[int]): Channels of the B branches (row labels).
        path (str): PNG file to write.
        modules_per_stage (int): Stage separators every this many modules.
        activation (Sequence[Sequence[float]], optional): (M, B) activation
            probabilities printed under each node.
        title (str): Figure title.
    """
    plt = _pyplot()
    m_count, b_count = len(module_masks), len(channels)
    fig, ax = plt.subplots(figsize=(1.2 * (m_count + 2) + 1, 0.9 * b_count
                                    + 1.2))
    xs = list(range(m_count + 2))  # stem, modules, head
    for b in range(b_count):
        ax.plot(xs, [-b] * len(xs), color='lightgray', zorder=0)
        ax.text(-0.6, -b, f'{2 ** (b + 2)}x\n{channels[b]} ch', ha='right',
                va='center', fontsize=8)
    for m, mask in enumerate(module_masks):
        x = m + 1
        on = [b for b in range(b_count) if mask[b]]
        for i, b in enumerate(on):  # cross-scale aggregation
            for b2 in on[i + 1:]:
                ax.plot([x, x], [-b, -b2], color='tab:orange', alpha=0.6,
                        zorder=1)
        for b in range(b_count):
            active = bool(mask[b])
            ax.scatter([x], [-b], s=260, marker='s', zorder=2,
                       color='tab:blue' if active else 'white',
                       edgecolors='tab:blue' if active else 'gray')
            if activation is not None:
                ax.text(x, -b - 0.33, f'{activation[m][b]:.2f}', ha='center',
                        va='top', fontsize=6, color='dimgray')
        if modules_per_stage > 1 and (m + 1) % modules_per_stage == 0 \
                and m + 1 < m_count:
            ax.axvline(x + 0.5, color='gray', linestyle='--', linewidth=0.8)
    for x, label in ((0, 'stem'), (m_count + 1, 'concat\n+ 3x3 conv')):
        ax.scatter([x] * b_count, [-b for b in range(b_count)], s=120,
                   marker='o', color='black', zorder=2)
        ax.text(x, 0.55, label, ha='center', va='bottom', fontsize=8)
    for m in range(m_count):
        ax.text(m + 1, 0.55, f'M{m + 1}', ha='center', va='bottom',
                fontsize=8)
    ax.set_xlim(-1.6, m_count + 1.6)
    ax.set_ylim(-b_count + 0.2, 1.1)
    ax.axis('off')
    ax.set_title(title or 'network-level architecture (filled: active '
                 'branch)', fontsize=9)
    _save(fig, path)
