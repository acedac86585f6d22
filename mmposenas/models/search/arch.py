"""Architecture parameters: the one named place where α lives.

A searchable network owns one :class:`ArchitectureParameters` module under the
attribute ``arch_params``. Its tensors are therefore named
``...arch_params.alphas.<key>`` in ``named_parameters()``, which lets optimizer
param-wise configs select them by the key ``'arch_params'`` and lets
:func:`arch_parameters` list them by type, never by grepping names.

Sampling turns logits ``(E, O)`` (E edges, O candidate ops) into mixing weights:

* ``'softmax'``: DARTS, ``softmax(α)``.
* ``'gumbel'``: soft Gumbel-softmax with temperature ``tau``.
* ``'gumbel_hard'``: straight-through Gumbel-softmax: a one-hot forward, the
  soft sample's gradient backward.

In eval mode the Gumbel variants are deterministic: ``'gumbel'`` uses
``softmax(α / tau)`` and ``'gumbel_hard'`` the one-hot argmax of α.
"""
import math
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.dist import broadcast
from torch import Tensor

SAMPLING_MODES = ('softmax', 'gumbel', 'gumbel_hard')


def gumbel_softmax(logits: Tensor, tau: float = 1.0,
                   hard: bool = False) -> Tensor:
    """Gumbel-softmax sample along the last dim, the same on every process.

    Computes what ``F.gumbel_softmax`` computes (bit for bit, from the same
    global torch random state), but the Gumbel noise of process 0 is
    broadcast to all processes (a no-op in a single process), so every rank
    of a multi-process search samples the same architecture.

    Args:
        logits (Tensor): (..., O) logits.
        tau (float): Temperature (> 0).
        hard (bool): Straight-through one-hot forward.

    Returns:
        Tensor: (..., O) sample.
    """
    gumbels = -torch.empty_like(
        logits, memory_format=torch.legacy_contiguous_format).exponential_(
        ).log()
    broadcast(gumbels, src=0)
    y_soft = ((logits + gumbels) / tau).softmax(-1)
    if not hard:
        return y_soft
    index = y_soft.max(-1, keepdim=True)[1]
    y_hard = torch.zeros_like(
        logits, memory_format=torch.legacy_contiguous_format).scatter_(
            -1, index, 1.0)
    return y_hard - y_soft.detach() + y_soft


def sample_weights(logits: Tensor, mode: str = 'softmax', tau: float = 1.0,
                   training: bool = True) -> Tensor:
    """Mixing weights from architecture logits along the last dimension.

    Args:
        logits (Tensor): (..., O) architecture logits.
        mode (str): One of :data:`SAMPLING_MODES`.
        tau (float): Gumbel temperature (> 0).
        training (bool): Draw Gumbel noise; otherwise deterministic weights.

    Returns:
        Tensor: (..., O) weights summing to one over O.
    """
    if mode == 'softmax':
        return F.softmax(logits, dim=-1)
    if mode not in SAMPLING_MODES:
        raise ValueError(f'unknown sampling mode {mode!r}; expected one of '
                         f'{SAMPLING_MODES}')
    if tau <= 0:
        raise ValueError(f'Gumbel temperature must be > 0, got {tau}')
    hard = mode == 'gumbel_hard'
    if training:
        return gumbel_softmax(logits, tau=tau, hard=hard)
    if hard:
        index = logits.argmax(dim=-1, keepdim=True)
        return torch.zeros_like(logits).scatter_(-1, index, 1.0)
    return F.softmax(logits / tau, dim=-1)


def entropy(weights: Tensor) -> Tensor:
    """Mean Shannon entropy (nats) of rows of ``weights`` (..., O)."""
    return -(weights * weights.clamp_min(1e-12).log()).sum(-1).mean()


class ArchitectureParameters(nn.Module):
    """Architecture logits α by key (e.g. cell type), kept apart from weights.

    Args:
        shapes (dict[str, tuple[int, ...]]): Shape of each α tensor, usually
            ``(num_edges, num_ops)``.
        sampling (str): Mixing-weight rule, one of :data:`SAMPLING_MODES`.
        tau (float): Initial Gumbel temperature (changed by
            ``ArchTemperatureHook``).
        init_std (float): α is initialised from N(0, init_std²) (DARTS: 1e-3).
    """

    def __init__(self, shapes: Dict[str, Sequence[int]],
                 sampling: str = 'softmax', tau: float = 1.0,
                 init_std: float = 1e-3) -> None:
        super().__init__()
        if sampling not in SAMPLING_MODES:
            raise ValueError(f'unknown sampling mode {sampling!r}; expected '
                             f'one of {SAMPLING_MODES}')
        self.sampling = sampling
        self.tau = float(tau)
        self.alphas = nn.ParameterDict({
            key: nn.Parameter(init_std * torch.randn(*shape))
            for key, shape in shapes.items()
        })

    def keys(self) -> List[str]:
        """Keys of the α tensors, in insertion order."""
        return list(self.alphas.keys())

    def weights(self, key: str) -> Tensor:
        """Mixing weights for ``key``: (E, O), sampled once per call."""
        return sample_weights(self.alphas[key], self.sampling, self.tau,
                              self.training)

    def active_ops(self, weights: Tensor) -> Optional[List[List[bool]]]:
        """Host-side flags of the ops to run, where a sample can hold zeros.

        Only a straight-through Gumbel-hard sample has exactly-zero weights;
        then the (E, O) flags ``weights != 0`` are read once (one device
        sync per α key and forward pass) so unselected ops are skipped.
        Softmax and soft Gumbel weights are never zero: ``None``, no sync.
        """
        if self.sampling != 'gumbel_hard':
            return None
        return (weights != 0).cpu().tolist()

    def probabilities(self, key: str) -> Tensor:
        """Deterministic ``softmax(α)`` for ``key`` (used for derivation)."""
        return F.softmax(self.alphas[key].detach(), dim=-1)

    def entropy(self) -> Dict[str, float]:
        """Mean entropy of softmax(α) per key, normalised to [0, 1]."""
        out = {}
        for key, alpha in self.alphas.items():
            h = entropy(F.softmax(alpha.detach(), dim=-1)).item()
            out[key] = h / math.log(alpha.shape[-1]) if alpha.shape[-1] > 1 \
                else 0.0
        return out

    @torch.no_grad()
    def reset_random(self, seed: int, std: float = 1.0) -> None:
        """Draw every α from N(0, std²) with a fixed ``seed`` (random search)."""
        gen = torch.Generator().manual_seed(int(seed))
        for key in sorted(self.alphas.keys()):
            alpha = self.alphas[key]
            alpha.copy_(std * torch.randn(alpha.shape, generator=gen))

    def extra_repr(self) -> str:
        shapes = {k: tuple(v.shape) for k, v in self.alphas.items()}
        return f'sampling={self.sampling}, tau={self.tau}, shapes={shapes}'


class SearchableMixin:
    """Interface of a searchable network (a backbone that owns α).

    Subclasses set ``self.arch_params`` to an :class:`ArchitectureParameters`
    (or ``None`` when built as a fixed network) and implement
    :meth:`derive_genotype`.
    """

    arch_params: 'ArchitectureParameters'

    @property
    def is_searchable(self) -> bool:
        """True for a supernet with architecture parameters."""
        return getattr(self, 'arch_params', None) is not None

    def arch_parameters(self) -> List[nn.Parameter]:
        """The architecture parameters α of this network (empty if fixed)."""
        if not self.is_searchable:
            return []
        return list(self.arch_params.alphas.values())

    def arch_entropy(self) -> Dict[str, float]:
        """Normalised mean entropy of softmax(α) per α key."""
        return self.arch_params.entropy() if self.is_searchable else {}

    def sample_arch_weights(
            self) -> Dict[str, Tuple[Tensor, Optional[List[List[bool]]]]]:
        """``(weights, active)`` of every α key for one forward pass.

        ``weights`` (E, O) are sampled once per call, so all cells of a type
        share one Gumbel sample; ``active`` are the host-side op flags of
        :meth:`ArchitectureParameters.active_ops`. Empty for a fixed network.
        """
        if not self.is_searchable:
            return {}
        out = {}
        for key in self.arch_params.keys():
            weights = self.arch_params.weights(key)
            out[key] = (weights, self.arch_params.active_ops(weights))
        return out

    def derive_genotype(self):
        """Return the :class:`~mmposenas.models.search.Genotype` of α."""
        raise NotImplementedError


def searchable_modules(model: nn.Module) -> List[SearchableMixin]:
    """Outermost searchable modules of ``model`` that hold α.

    Modules nested inside another searchable module are not listed: the outer
    one is responsible for deriving their genotype.
    """
    found: List[Tuple[str, SearchableMixin]] = []
    for name, module in model.named_modules():
        if not isinstance(module, SearchableMixin) or not module.is_searchable:
            continue
        if any(name.startswith(outer + '.') for outer, _ in found if outer):
            continue
        found.append((name, module))
    return [m for _, m in found]


def arch_parameters(model: nn.Module) -> List[nn.Parameter]:
    """All architecture parameters α of ``model`` (through any wrapper)."""
    params: List[nn.Parameter] = []
    for module in model.modules():
        if isinstance(module, ArchitectureParameters):
            params.extend(module.alphas.values())
    return params


def non_finite_arch_keys(model: nn.Module) -> List[str]:
    """Keys of the α tensors of ``model`` that hold NaN or infinity.

    Returns:
        list[str]: ``'<module path>.<key>'`` per non-finite α (empty when all
        are finite or the model has none).
    """
    bad = []
    for name, module in model.named_modules():
        if isinstance(module, ArchitectureParameters):
            for key, alpha in module.alphas.items():
                if not bool(torch.isfinite(alpha.detach()).all()):
                    bad.append(f'{name}.{key}' if name else key)
    return bad


class NonFiniteArchError(ValueError):
    """Architecture parameters hold NaN/inf: no genotype can be derived."""


def check_finite_arch(model: nn.Module, source: str = 'the model') -> None:
    """Refuse to derive from non-finite α.

    Args:
        model (nn.Module): The supernet (or a module holding α).
        source (str): Where α came from (e.g. a checkpoint path), named in
            the error.

    Raises:
        NonFiniteArchError: Naming ``source`` and every non-finite α key.
    """
    bad = non_finite_arch_keys(model)
    if bad:
        raise NonFiniteArchError(
            f'{source}: architecture parameters {bad} hold NaN or infinity '
            f'(the search diverged); no genotype is derived from them. Derive '
            f'from an earlier checkpoint of the run instead.')


def weight_parameters(model: nn.Module
                      ) -> Iterator[Tuple[str, nn.Parameter]]:
    """Named trainable network weights w of ``model``: every parameter but α."""
    arch_ids = {id(p) for p in arch_parameters(model)}
    for name, param in model.named_parameters():
        if param.requires_grad and id(param) not in arch_ids:
            yield name, param
