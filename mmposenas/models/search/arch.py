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

A key may carry a boolean mask of valid entries (e.g. the macro parameters β
of a fabric cell that has only two of its three neighbours): masked entries
get the logit −inf before sampling, so their weight is exactly zero, they
receive no gradient, and the entropy of a row is normalised by the log of
its number of valid entries.
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

    Besides the op logits (``alphas``, one (E, O) tensor per key) it can hold
    edge logits (``edge_alphas``, PC-DARTS edge normalisation): one (E,)
    tensor per key whose weights are a softmax over the incoming edges of
    each node (``edge_groups`` gives the number of edges of every node).

    Two α-side collapse remedies are attributes set by hooks: ``tau`` (Gumbel
    temperature, ``ArchTemperatureHook``) and ``smoothing`` (SDARTS-RS: during
    the weight step the op logits are perturbed with U(-smoothing,
    smoothing) noise; ``ArchSmoothingHook`` sets it and ``ArchOptimizerHook``
    switches it off for its α step through ``smoothing_active``).

    Args:
        shapes (dict[str, tuple[int, ...]]): Shape of each α tensor, usually
            ``(num_edges, num_ops)``.
        sampling (str): Mixing-weight rule, one of :data:`SAMPLING_MODES`.
        tau (float): Initial Gumbel temperature (changed by
            ``ArchTemperatureHook``).
        init_std (float): α is initialised from N(0, init_std²) (DARTS: 1e-3).
        edge_groups (dict[str, Sequence[int]], optional): For edge
            normalisation: per key, the number of incoming edges of each node
            (e.g. ``[2, 3, 4, 5]``); creates ``edge_alphas[key]`` of shape
            ``(sum(groups),)``.
        masks (dict[str, Tensor], optional): Boolean masks of valid
            entries, each of the shape of its α tensor; every row (last
            dimension) needs at least one valid entry. Keys without a mask
            are fully valid.
    """

    def __init__(self, shapes: Dict[str, Sequence[int]],
                 sampling: str = 'softmax', tau: float = 1.0,
                 init_std: float = 1e-3,
                 edge_groups: Optional[Dict[str, Sequence[int]]] = None,
                 masks: Optional[Dict[str, Tensor]] = None) -> None:
        super().__init__()
        if sampling not in SAMPLING_MODES:
            raise ValueError(f'unknown sampling mode {sampling!r}; expected '
                             f'one of {SAMPLING_MODES}')
        self.sampling = sampling
        self.tau = float(tau)
        self.smoothing = 0.0
        self.smoothing_active = True
        self.alphas = nn.ParameterDict({
            key: nn.Parameter(init_std * torch.randn(*shape))
            for key, shape in shapes.items()
        })
        self.edge_groups = {k: [int(n) for n in v]
                            for k, v in (edge_groups or {}).items()}
        self.edge_alphas = nn.ParameterDict({
            key: nn.Parameter(init_std * torch.randn(sum(groups)))
            for key, groups in self.edge_groups.items()
        })
        self._mask_keys: List[str] = []
        for key, mask in (masks or {}).items():
            if key not in self.alphas:
                raise ValueError(f'ArchitectureParameters: mask for unknown '
                                 f'key {key!r}; keys are {self.keys()}')
            mask = torch.as_tensor(mask, dtype=torch.bool)
            shape = tuple(self.alphas[key].shape)
            if tuple(mask.shape) != shape:
                raise ValueError(f'ArchitectureParameters: mask of {key!r} '
                                 f'has shape {tuple(mask.shape)}, expected '
                                 f'{shape}')
            empty = (~mask.any(dim=-1)).nonzero().flatten().tolist()
            if empty:
                raise ValueError(f'ArchitectureParameters: mask of {key!r} '
                                 f'has no valid entry in row(s) {empty}')
            # Derived from the network structure: not saved in checkpoints.
            self.register_buffer(f'mask_{key}', mask, persistent=False)
            self._mask_keys.append(key)

    def keys(self) -> List[str]:
        """Keys of the op logits α, in insertion order."""
        return list(self.alphas.keys())

    def mask(self, key: str) -> Optional[Tensor]:
        """Boolean mask of the valid entries of ``key`` (None: all valid)."""
        if key not in self._mask_keys:
            return None
        return getattr(self, f'mask_{key}')

    def logits(self, key: str) -> Tensor:
        """α of ``key`` with masked entries set to −inf."""
        alpha = self.alphas[key]
        mask = self.mask(key)
        if mask is None:
            return alpha
        return alpha.masked_fill(~mask, float('-inf'))

    def weights(self, key: str) -> Tensor:
        """Mixing weights for ``key``: (E, O), sampled once per call."""
        logits = self.logits(key)
        if self.training and self.smoothing > 0 and self.smoothing_active:
            noise = torch.empty_like(logits).uniform_(-self.smoothing,
                                                      self.smoothing)
            broadcast(noise, src=0)  # the same perturbation on every rank
            logits = logits + noise
        return sample_weights(logits, self.sampling, self.tau, self.training)

    def edge_weights(self, key: str) -> Tensor:
        """Edge-normalisation weights for ``key``: (E,), a softmax per node."""
        logits = self.edge_alphas[key]
        return torch.cat([
            F.softmax(part, dim=0)
            for part in logits.split(self.edge_groups[key])
        ])

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
        """Deterministic ``softmax(α)`` for ``key`` (used for derivation).

        With edge normalisation each row is scaled by its edge weight, so the
        DARTS rule ranks edges by (edge weight × op weight) as PC-DARTS does.
        """
        probs = F.softmax(self.logits(key).detach(), dim=-1)
        if key in self.edge_alphas:
            probs = probs * self.edge_weights(key).detach()[:, None]
        return probs

    def entropy(self) -> Dict[str, float]:
        """Mean entropy of softmax(α) per key, normalised to [0, 1].

        For a masked key every row is normalised by the log of its number of
        valid entries (rows with a single valid entry count as 0).
        """
        out = {}
        for key, alpha in self.alphas.items():
            mask = self.mask(key)
            if mask is not None:
                p = F.softmax(self.logits(key).detach(), dim=-1)
                h = -(p * p.clamp_min(1e-12).log()).sum(-1)
                n = mask.sum(-1).to(h.dtype)
                norm = torch.where(n > 1, n.log(), torch.ones_like(n))
                out[key] = torch.where(n > 1, h / norm,
                                       torch.zeros_like(h)).mean().item()
                continue
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
        for key in sorted(self.edge_alphas.keys()):
            beta = self.edge_alphas[key]
            beta.copy_(std * torch.randn(beta.shape, generator=gen))

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
        return list(self.arch_params.parameters())

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

    def sample_edge_weights(self) -> Dict[str, Tensor]:
        """Edge-normalisation weights (E,) of every key that has them."""
        if not self.is_searchable:
            return {}
        return {key: self.arch_params.edge_weights(key)
                for key in self.arch_params.edge_alphas.keys()}

    def derive_genotype(self):
        """Return the :class:`~mmposenas.models.search.Genotype` of α."""
        raise NotImplementedError

    def supernet_key_map(self, fixed: nn.Module,
                         cell_inputs: Optional[Dict[str, Sequence[int]]]
                         = None) -> Dict[str, str]:
        """Where each weight of a fixed network lives in this supernet.

        ``fixed`` is this network's class built with the genotype derived
        from this supernet. The default maps every
        :class:`~mmposenas.models.search.SearchCell` through
        :meth:`SearchCell.fixed_key_map` (cells found at the same module
        path in both networks) and every other key to itself (stem, heads,
        ...). Backbones with searchable pieces other than DARTS cells
        (branches, fabric paths) override this and extend the result.

        Args:
            fixed (nn.Module): The fixed network.
            cell_inputs (dict, optional): Module path of a fixed cell built
                for some of its inputs only -> the supernet cell inputs it
                reads (``inputs`` of :meth:`SearchCell.fixed_key_map`).

        Returns:
            dict[str, str]: Fixed state-dict key -> supernet state-dict key.
        """
        from .cell import SearchCell  # cell.py imports mixed/ops, not arch
        own = dict(self.named_modules())
        mapping: Dict[str, str] = {}
        cell_prefixes = []
        for name, module in fixed.named_modules():
            if not isinstance(module, SearchCell) or module.searchable:
                continue
            source = own.get(name)
            if not isinstance(source, SearchCell) or not source.searchable:
                raise ValueError(f'fixed network has a cell at {name!r} but '
                                 f'the supernet has no searchable cell there')
            inputs = (cell_inputs or {}).get(name)
            for k, v in source.fixed_key_map(module, inputs).items():
                mapping[f'{name}.{k}'] = f'{name}.{v}'
            cell_prefixes.append(name + '.')
        for key in fixed.state_dict():
            if not key.startswith(tuple(cell_prefixes)):
                mapping[key] = key
        return mapping

    def fixed_state_dict(self, fixed: nn.Module
                         ) -> Tuple[Dict[str, Tensor], List[str]]:
        """A state dict for ``fixed`` with the weights shared by this supernet.

        Every fixed-network tensor is copied from the supernet through
        :meth:`supernet_key_map`, except the affine BatchNorm parameters that
        a supernet built with ``affine=False`` does not have: those keep the
        fixed network's initial values (weight 1, bias 0, i.e. the same
        function as the supernet's non-affine BatchNorm).

        Args:
            fixed (nn.Module): The fixed network (same class, derived
                genotype).

        Returns:
            tuple: the state dict (every key of ``fixed.state_dict()``) and
            the keys kept at their initial values.

        Raises:
            KeyError: A fixed key has no source in the supernet.
            ValueError: A source tensor has another shape.
        """
        mapping = self.supernet_key_map(fixed)
        source = self.state_dict()
        target = fixed.state_dict()
        affine_bn = {
            f'{name}.{p}' if name else p
            for name, m in fixed.named_modules()
            if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.affine
            for p in ('weight', 'bias')
        }
        out: Dict[str, Tensor] = {}
        kept: List[str] = []
        for key, value in target.items():
            src = mapping.get(key)
            if src is None:
                raise KeyError(f'no supernet weight is mapped to the fixed '
                               f'network key {key!r}')
            if src not in source:
                if key in affine_bn:
                    out[key] = value.clone()
                    kept.append(key)
                    continue
                raise KeyError(f'fixed network key {key!r} maps to supernet '
                               f'key {src!r}, which the supernet lacks')
            if source[src].shape != value.shape:
                raise ValueError(f'fixed network key {key!r} has shape '
                                 f'{tuple(value.shape)} but supernet key '
                                 f'{src!r} has {tuple(source[src].shape)}')
            out[key] = source[src].detach().clone()
        return out, kept


def named_searchable_modules(model: nn.Module
                             ) -> List[Tuple[str, SearchableMixin]]:
    """``(module path, module)`` of the outermost modules holding α.

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
    return found


def searchable_modules(model: nn.Module) -> List[SearchableMixin]:
    """The modules of :func:`named_searchable_modules`, without names."""
    return [m for _, m in named_searchable_modules(model)]


def arch_parameters(model: nn.Module) -> List[nn.Parameter]:
    """All architecture parameters α of ``model`` (through any wrapper)."""
    params: List[nn.Parameter] = []
    for module in model.modules():
        if isinstance(module, ArchitectureParameters):
            params.extend(module.parameters())
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
            for key, alpha in module.named_parameters():
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
