"""AutoPose: searchable multi-scale branches with cross-scale aggregation.

Gong et al., "AutoPose: Searching Multi-Scale Branch Aggregation for Pose
Estimation" (2020). Layout (Fig. 1/2 of the paper)::

    image -> stem (two 3x3 s2 convs, residual bottleneck: 4x map;
                   3x3 s2 convs: 8x, 16x, 32x maps)
          -> num_stages x modules_per_stage multi-scale modules
          -> every branch upsampled (nearest) to 4x and concatenated

A multi-scale module has B branches (scales 4x, 8x, ..., 2^(B+1)x). An active
branch runs two individual cells (one input, K_I nodes) and an aggregation
cell (K_M nodes) whose nodes read every active branch's second
individual-cell output, resampled to this branch's scale (Eq. 3); every cell
output is the concatenation of its nodes compressed by a 1x1 convolution. An
inactive branch is a skip connection (Eq. 1): its cells do not run, so they
get no gradient. Which branches are active comes from outside
(:meth:`AutoPoseBackbone.set_active_branches`, called by
``BranchControllerHook`` before every forward pass while searching).

Built with ``genotype=None`` the backbone is the supernet (one α for all
individual cells, one for all aggregation cells); built with a genotype it is
the fixed network: only the active branches of its ``extras.branches`` exist,
each cell with the argmax op on every edge (all predecessors kept).
"""
import copy
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmpose.models.backbones.resnet import Bottleneck
from mmpose.registry import MODELS
from torch import Tensor

from ..search import (ArchitectureParameters, CellGenotype, Genotype,
                      GenotypeError, SearchableMixin, SearchCell,
                      derive_cell, num_cell_edges, resolve_op_names)
from ..search.ops import ReLUConvBN

INDIVIDUAL = 'individual'
AGGREGATION = 'aggregation'
#: ``inactive_inputs``: what an aggregation cell reads from inactive branches.
INACTIVE_INPUTS = ('drop', 'identity')
#: ``branch_decisions``: one branch vector per module or per stage.
BRANCH_DECISIONS = ('module', 'stage')

Mask = List[List[bool]]


class AutoPoseStem(nn.Module):
    """Stem: the B input maps of the first multi-scale module.

    Two 3x3 stride-2 conv-BN-ReLU layers and a residual bottleneck give the
    4x map; each further 3x3 stride-2 conv-BN-ReLU halves it again.

    Args:
        in_channels (int): Image channels.
        stem_channels (int): Channels of the two stride-2 convs.
        channels (Sequence[int]): Channels of the B branch maps.
        bottleneck_expansion (int): Bottleneck expansion (its middle width is
            ``channels[0] // bottleneck_expansion``).
    """

    def __init__(self, in_channels: int, stem_channels: int,
                 channels: Sequence[int], bottleneck_expansion: int = 4
                 ) -> None:
        super().__init__()
        if channels[0] % bottleneck_expansion:
            raise ValueError(f'AutoPoseStem: channels[0]={channels[0]} must '
                             f'be divisible by bottleneck_expansion='
                             f'{bottleneck_expansion}')
        norm = dict(type='BN')
        self.conv1 = ConvModule(in_channels, stem_channels, 3, stride=2,
                                padding=1, norm_cfg=norm)
        self.conv2 = ConvModule(stem_channels, stem_channels, 3, stride=2,
                                padding=1, norm_cfg=norm)
        downsample = None
        if stem_channels != channels[0]:
            downsample = ConvModule(stem_channels, channels[0], 1,
                                    norm_cfg=norm, act_cfg=None)
        self.bottleneck = Bottleneck(stem_channels, channels[0],
                                     expansion=bottleneck_expansion,
                                     downsample=downsample)
        self.downsamples = nn.ModuleList([
            ConvModule(channels[b - 1], channels[b], 3, stride=2, padding=1,
                       norm_cfg=norm) for b in range(1, len(channels))
        ])

    def forward(self, x: Tensor) -> List[Tensor]:
        """(N, 3, H, W) -> B maps (N, C_b, H / 2^(b+2), W / 2^(b+2)) (ceil)."""
        feats = [self.bottleneck(self.conv2(self.conv1(x)))]
        for down in self.downsamples:
            feats.append(down(feats[-1]))
        return feats


class AutoPoseCell(nn.Module):
    """A :class:`SearchCell` whose concatenated nodes a 1x1 conv compresses.

    Args:
        in_channels (Sequence[int]): Channels of each input.
        channels (int): Node channels and output channels.
        op_names (Sequence[str], optional): Candidate ops (searchable).
        genotype (CellGenotype, optional): Derived ops (fixed).
        num_nodes (int): Intermediate nodes of a searchable cell.
        input_resample (Sequence[float], optional): Resample factor per input.
        affine (bool): BatchNorm affine parameters in the cell's ops.
    """

    def __init__(self, in_channels: Sequence[int], channels: int,
                 op_names: Optional[Sequence[str]] = None,
                 genotype: Optional[CellGenotype] = None, num_nodes: int = 4,
                 input_resample: Optional[Sequence[float]] = None,
                 affine: bool = True) -> None:
        super().__init__()
        self.cell = SearchCell(in_channels, channels, op_names=op_names,
                               genotype=genotype, num_nodes=num_nodes,
                               input_resample=input_resample, affine=affine)
        self.project = ReLUConvBN(self.cell.out_channels, channels, 1, 1, 0,
                                  affine=affine)

    def forward(self, inputs: Sequence[Optional[Tensor]],
                weights: Optional[Tensor] = None,
                active: Optional[Sequence[Sequence[bool]]] = None,
                out_size: Optional[Sequence[int]] = None) -> Tensor:
        """Inputs as :meth:`SearchCell.node_outputs`; -> (N, C, H, W)."""
        return self.project(self.cell(inputs, weights, active,
                                      out_size=out_size))


class AutoPoseBranch(nn.Module):
    """The cells of one branch of one module: C_I1, C_I2 and C_M.

    Args:
        channels (Sequence[int]): Channels of all B branches.
        branch (int): This branch b (scale 2^(b+2)).
        sources (Sequence[int]): Branches the aggregation cell reads.
        op_names, individual, aggregation: Candidate ops (searchable) or the
            two cell genotypes (fixed; ``aggregation`` already restricted to
            ``sources``).
        individual_nodes (int): K_I.
        aggregation_nodes (int): K_M.
        affine (bool): BatchNorm affine parameters in the cells' ops.
    """

    def __init__(self, channels: Sequence[int], branch: int,
                 sources: Sequence[int],
                 op_names: Optional[Sequence[str]] = None,
                 individual: Optional[CellGenotype] = None,
                 aggregation: Optional[CellGenotype] = None,
                 individual_nodes: int = 4, aggregation_nodes: int = 2,
                 affine: bool = True) -> None:
        super().__init__()
        c = channels[branch]
        self.individual = nn.ModuleList([
            AutoPoseCell((c, ), c, op_names=op_names, genotype=individual,
                         num_nodes=individual_nodes, affine=affine)
            for _ in range(2)
        ])
        self.aggregation = AutoPoseCell(
            [channels[s] for s in sources], c, op_names=op_names,
            genotype=aggregation, num_nodes=aggregation_nodes,
            input_resample=[2.0**(s - branch) for s in sources],
            affine=affine)


class AutoPoseModule(nn.Module):
    """One multi-scale module: B branches, individual and aggregation cells.

    Args:
        channels (Sequence[int]): Channels of the B branches.
        op_names (Sequence[str], optional): Candidate ops (searchable).
        genotype (Genotype, optional): Derived cells (fixed).
        branches (Sequence[bool], optional): Active branches of a fixed
            module (only those are built).
        individual_nodes (int): K_I.
        aggregation_nodes (int): K_M.
        inactive_inputs (str): ``'drop'``: aggregation cells read the active
            branches only; ``'identity'``: they also read the (skipped)
            inputs of inactive branches (the paper's Fig. 3 description).
        affine (bool): BatchNorm affine parameters in the cells' ops.
    """

    def __init__(self, channels: Sequence[int],
                 op_names: Optional[Sequence[str]] = None,
                 genotype: Optional[Genotype] = None,
                 branches: Optional[Sequence[bool]] = None,
                 individual_nodes: int = 4, aggregation_nodes: int = 2,
                 inactive_inputs: str = 'drop', affine: bool = True) -> None:
        super().__init__()
        num_branches = len(channels)
        self.num_branches = num_branches
        self.inactive_inputs = inactive_inputs
        built = [True] * num_branches if genotype is None else list(branches)
        self.fixed_mask = None if genotype is None else [bool(b)
                                                         for b in built]
        self.branches = nn.ModuleDict()
        self.sources: Dict[int, List[int]] = {}
        for b in range(num_branches):
            if not built[b]:
                continue
            if genotype is not None and inactive_inputs == 'drop':
                sources = [s for s in range(num_branches) if built[s]]
            else:
                sources = list(range(num_branches))
            aggregation = None
            if genotype is not None:
                aggregation = genotype[AGGREGATION]
                if len(sources) < num_branches:
                    aggregation = aggregation.select_inputs(sources)
            self.sources[b] = sources
            self.branches[str(b)] = AutoPoseBranch(
                channels, b, sources, op_names=op_names,
                individual=None if genotype is None else genotype[INDIVIDUAL],
                aggregation=aggregation, individual_nodes=individual_nodes,
                aggregation_nodes=aggregation_nodes, affine=affine)

    def forward(self, feats: Sequence[Tensor],
                mask: Optional[Sequence[bool]] = None,
                samples: Optional[Dict[str, Tuple[Tensor, Any]]] = None
                ) -> List[Tensor]:
        """Run the active branches; inactive ones pass their input through.

        Args:
            feats (Sequence[Tensor]): B maps (N, C_b, H_b, W_b).
            mask (Sequence[bool], optional): Active branches (supernet); a
                fixed module uses the branches it was built with.
            samples (dict, optional): ``(weights, active)`` per α key from
                :meth:`SearchableMixin.sample_arch_weights` (supernet).

        Returns:
            list[Tensor]: B maps of the same shapes.
        """
        if self.fixed_mask is not None:
            mask = self.fixed_mask
        samples = samples or {}
        w_ind, a_ind = samples.get(INDIVIDUAL, (None, None))
        w_agg, a_agg = samples.get(AGGREGATION, (None, None))
        hidden: Dict[int, Tensor] = {}
        for b in range(self.num_branches):
            if mask[b]:
                x = feats[b]
                for cell in self.branches[str(b)].individual:
                    x = cell((x, ), w_ind, a_ind)
                hidden[b] = x
        outs = list(feats)
        for b in hidden:
            inputs = [
                hidden[s] if s in hidden else
                (feats[s] if self.inactive_inputs == 'identity' else None)
                for s in self.sources[b]
            ]
            outs[b] = self.branches[str(b)].aggregation(
                inputs, w_agg, a_agg, out_size=feats[b].shape[-2:])
        return outs


def _as_mask(value: Any, shape: Tuple[int, int], where: str) -> Mask:
    """A (D, B) bool mask from 'all', 'none', a tensor or nested lists.

    Raises:
        ValueError: Naming ``where``, the offending entry and what was
            expected.
    """
    d, b = shape
    if isinstance(value, str):
        if value not in ('all', 'none'):
            raise ValueError(f'{where}: expected "all", "none" or a {d}x{b} '
                             f'list of 0/1, got {value!r}')
        return [[value == 'all'] * b for _ in range(d)]
    if isinstance(value, Tensor):
        value = value.tolist()
    if not isinstance(value, (list, tuple)) or len(value) != d:
        raise ValueError(f'{where}: expected {d} branch vectors (one per '
                         f'decision) of {b} bits, got {value!r}')
    mask = []
    for i, row in enumerate(value):
        if not isinstance(row, (list, tuple)) or len(row) != b:
            raise ValueError(f'{where}[{i}]: expected {b} bits, got {row!r}')
        bits = []
        for j, bit in enumerate(row):
            if bit not in (0, 1) or isinstance(bit, float):
                raise ValueError(f'{where}[{i}][{j}]: expected 0 or 1, got '
                                 f'{bit!r}')
            bits.append(bool(bit))
        mask.append(bits)
    return mask


@MODELS.register_module()
class AutoPoseBackbone(BaseModule, SearchableMixin):
    """AutoPose supernet (``genotype=None``) or fixed network (a genotype).

    Args:
        in_channels (int): Image channels.
        stem_channels (int): Channels of the stem's stride-2 convs.
        channels (Sequence[int]): Channels of the B branches (paper: 16, 32,
            64, 128 while searching, doubled in the derived network).
        num_stages (int): Stages.
        modules_per_stage (int): Identical multi-scale modules per stage.
        branch_decisions (str): ``'module'``: one branch vector per module;
            ``'stage'``: one per stage, shared by its modules.
        individual_nodes (int): K_I, nodes of an individual cell.
        aggregation_nodes (int): K_M, nodes of an aggregation cell.
        op_set (str | Sequence[str]): Candidate ops (``'autopose'``).
        inactive_inputs (str): What aggregation cells read from inactive
            branches, ``'drop'`` (nothing) or ``'identity'`` (their input).
        genotype (Genotype | dict | str, optional): Build the fixed network;
            its ``extras.branches`` (D x B bits) give the active branches.
        branches (str | Sequence, optional): Override the branches: ``'all'``,
            ``'none'`` or D x B bits (fixed network: instead of the genotype's;
            supernet: the initial active branches, default all).
        sampling (str): α sampling of the supernet (``'gumbel'``,
            ``'gumbel_hard'`` or ``'softmax'``).
        tau (float): Initial Gumbel temperature.
        bottleneck_expansion (int): Expansion of the stem's bottleneck.
        init_cfg (dict, optional): MMEngine initialisation config.
    """

    def __init__(self, in_channels: int = 3, stem_channels: int = 64,
                 channels: Sequence[int] = (16, 32, 64, 128),
                 num_stages: int = 3, modules_per_stage: int = 2,
                 branch_decisions: str = 'module', individual_nodes: int = 4,
                 aggregation_nodes: int = 2,
                 op_set: Union[str, Sequence[str]] = 'autopose',
                 inactive_inputs: str = 'drop',
                 genotype: Optional[Union[Genotype, Dict, str]] = None,
                 branches: Optional[Union[str, Sequence]] = None,
                 sampling: str = 'gumbel_hard', tau: float = 1.0,
                 bottleneck_expansion: int = 4,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if branch_decisions not in BRANCH_DECISIONS:
            raise ValueError(f'AutoPoseBackbone: branch_decisions must be one '
                             f'of {BRANCH_DECISIONS}, got {branch_decisions!r}')
        if inactive_inputs not in INACTIVE_INPUTS:
            raise ValueError(f'AutoPoseBackbone: inactive_inputs must be one '
                             f'of {INACTIVE_INPUTS}, got {inactive_inputs!r}')
        if num_stages < 1 or modules_per_stage < 1 or len(channels) < 1:
            raise ValueError('AutoPoseBackbone: need num_stages >= 1, '
                             'modules_per_stage >= 1 and at least one branch')
        self.channels = [int(c) for c in channels]
        self.stem_channels = int(stem_channels)
        self.bottleneck_expansion = int(bottleneck_expansion)
        self.num_branches = len(self.channels)
        self.num_stages = num_stages
        self.modules_per_stage = modules_per_stage
        self.branch_decisions = branch_decisions
        self.individual_nodes = individual_nodes
        self.aggregation_nodes = aggregation_nodes
        self.inactive_inputs = inactive_inputs
        self.op_names = resolve_op_names(op_set)
        num_modules = num_stages * modules_per_stage
        self.num_branch_decisions = (num_modules if branch_decisions ==
                                     'module' else num_stages)
        shape = (self.num_branch_decisions, self.num_branches)

        fixed = None
        if genotype is not None:
            fixed = Genotype.coerce(genotype,
                                    required=(INDIVIDUAL, AGGREGATION))
            mask = self._genotype_branches(fixed, branches)
        else:
            mask = _as_mask('all' if branches is None else branches, shape,
                            'AutoPoseBackbone.branches')

        self.stem = AutoPoseStem(in_channels, stem_channels, self.channels,
                                 bottleneck_expansion)
        module_masks = self.module_masks(mask)
        self.layers = nn.ModuleList([
            AutoPoseModule(self.channels,
                           op_names=None if fixed else self.op_names,
                           genotype=fixed, branches=module_masks[m],
                           individual_nodes=individual_nodes,
                           aggregation_nodes=aggregation_nodes,
                           inactive_inputs=inactive_inputs,
                           affine=fixed is not None)
            for m in range(num_modules)
        ])
        self.out_channels = sum(self.channels)
        self._active: Mask = mask
        if fixed is None:
            self.arch_params = ArchitectureParameters(
                {
                    INDIVIDUAL: (num_cell_edges(individual_nodes, 1),
                                 len(self.op_names)),
                    AGGREGATION: (num_cell_edges(aggregation_nodes,
                                                 self.num_branches),
                                  len(self.op_names)),
                },
                sampling=sampling, tau=tau)
            # The network-level answer so far (set by BranchControllerHook),
            # saved with the weights so tools/derive.py can read it.
            self.register_buffer('derived_branches',
                                 torch.tensor(mask, dtype=torch.long))
            self.branch_derivation: Dict[str, Any] = {}
        else:
            self.arch_params = None
            self.genotype = fixed

    # ------------------------------------------------------------- branches
    def _genotype_branches(self, genotype: Genotype,
                           override: Optional[Union[str, Sequence]]) -> Mask:
        """Validate the genotype's network-level extras; its branch mask."""
        extras = genotype.extras
        expected = dict(num_branches=self.num_branches,
                        branch_decisions=self.branch_decisions,
                        inactive_inputs=self.inactive_inputs,
                        num_stages=self.num_stages,
                        modules_per_stage=self.modules_per_stage)
        for key, value in expected.items():
            if key in extras and extras[key] != value:
                raise genotype.error(
                    f'extras.{key}', repr(extras[key]),
                    f'{value!r} as in the AutoPoseBackbone config')
        genotype.check_cell(INDIVIDUAL, num_inputs=1,
                            purpose='an individual cell reads its branch')
        genotype.check_cell(AGGREGATION, num_inputs=self.num_branches,
                            purpose='one input per branch')
        shape = (self.num_branch_decisions, self.num_branches)
        if override is not None:
            return _as_mask(override, shape, 'AutoPoseBackbone.branches')
        if 'branches' not in extras:
            raise genotype.error(
                'extras.branches', f'no such key (extras has '
                f'{sorted(extras)})', f'{shape[0]} x {shape[1]} branch bits; '
                f'derive the genotype from an AutoPose search or pass '
                f'AutoPoseBackbone.branches')
        try:
            return _as_mask(extras['branches'], shape,
                            f'genotype {genotype.source}: extras.branches')
        except ValueError as err:
            raise GenotypeError(str(err)) from err

    def module_masks(self, mask: Mask) -> Mask:
        """Expand a (D, B) decision mask to one branch vector per module."""
        if self.branch_decisions == 'module':
            return [list(row) for row in mask]
        return [list(mask[s]) for s in range(self.num_stages)
                for _ in range(self.modules_per_stage)]

    def set_active_branches(self, mask: Union[Tensor, Sequence]) -> None:
        """Choose the active branches of the supernet for the next forwards.

        Args:
            mask (Tensor | Sequence): (D, B) bits, D =
                :attr:`num_branch_decisions`, B = :attr:`num_branches`, or
                ``'all'`` / ``'none'``.
        """
        if not self.is_searchable:
            raise RuntimeError('AutoPoseBackbone: a fixed network runs the '
                               'branches of its genotype; set them with the '
                               '`branches` argument instead')
        self._active = _as_mask(
            mask, (self.num_branch_decisions, self.num_branches),
            'set_active_branches(mask)')

    @property
    def active_branches(self) -> List[List[int]]:
        """(D, B) 0/1 lists of the branches the next forward pass runs."""
        return [[int(b) for b in row] for row in self._active]

    def set_derived_branches(self, mask: Union[Tensor, Sequence],
                             info: Optional[Dict[str, Any]] = None) -> None:
        """Record the network-level result for :meth:`derive_genotype`.

        Args:
            mask (Tensor | Sequence): (D, B) bits.
            info (dict, optional): JSON-serialisable details (candidates and
                scores) copied into the genotype's extras.
        """
        bits = _as_mask(mask, (self.num_branch_decisions, self.num_branches),
                        'set_derived_branches(mask)')
        self.derived_branches.copy_(torch.tensor(bits, dtype=torch.long))
        self.branch_derivation = copy.deepcopy(info or {})

    # -------------------------------------------------------------- forward
    def forward(self, x: Tensor) -> Tuple[Tensor]:
        """Stem, modules, and the 4x fusion of all branches.

        Args:
            x (Tensor): (N, 3, H, W) images.

        Returns:
            tuple[Tensor]: One (N, sum(channels), ceil(H/4), ceil(W/4)) map:
            every branch upsampled (nearest) to 4x, concatenated.
        """
        feats = self.stem(x)
        masks = self.module_masks(self._active) if self.is_searchable \
            else [None] * len(self.layers)
        samples = {}
        if self.is_searchable and any(any(m) for m in masks):
            samples = self.sample_arch_weights()
        for layer, mask in zip(self.layers, masks):
            feats = layer(feats, mask, samples)
        size = feats[0].shape[-2:]
        fused = [feats[0]] + [
            F.interpolate(f, size=size, mode='nearest') for f in feats[1:]
        ]
        return (torch.cat(fused, dim=1), )

    # ----------------------------------------------------------- derivation
    def supernet_key_map(self, fixed: nn.Module,
                         cell_inputs: Optional[Dict[str, Sequence[int]]]
                         = None) -> Dict[str, str]:
        """Fixed-network key -> supernet key (``tools/derive.py``).

        Only a fixed network of the search widths can take the shared
        weights: the paper (and ``configs/autopose``) doubles the channels of
        the derived network, which changes the shape of every convolution
        and BatchNorm, so nothing would correspond one to one. Aggregation
        cells of the fixed network read the active branches only; their
        inputs map to those branches' inputs of the supernet cell.

        Raises:
            ValueError: ``fixed`` is not a fixed ``AutoPoseBackbone`` or its
                widths or layout differ from this supernet's (the message
                says why and what to do instead).
        """
        if not isinstance(fixed, AutoPoseBackbone) or fixed.is_searchable:
            raise ValueError(f'AutoPose: the fixed network must be a fixed '
                             f'AutoPoseBackbone, got {type(fixed).__name__}')
        mine = dict(channels=self.channels, stem_channels=self.stem_channels,
                    bottleneck_expansion=self.bottleneck_expansion)
        theirs = dict(channels=fixed.channels,
                      stem_channels=fixed.stem_channels,
                      bottleneck_expansion=fixed.bottleneck_expansion)
        if mine != theirs:
            diff = ', '.join(f'{k}: fixed {theirs[k]} vs search {mine[k]}'
                             for k in mine if mine[k] != theirs[k])
            raise ValueError(
                f'AutoPose: cannot copy the supernet weights into the fixed '
                f'network because its widths differ ({diff}). The derived '
                f'AutoPose network is built with doubled channels (paper, '
                f'Sec. 3), so every convolution and BatchNorm has another '
                f'shape and no weight corresponds one to one. Either retrain '
                f'the fixed config from scratch (the paper\'s protocol; no '
                f'--fixed-checkpoint), or derive with a retrain config that '
                f'keeps the search widths, e.g. configs/autopose/'
                f'td-hm_autopose-tiny-keep-width_1xb7-4e_coco-sample-64x48.py '
                f'(model.backbone.channels = the search channels), to '
                f'fine-tune the shared weights')
        layout = ('num_stages', 'modules_per_stage', 'branch_decisions',
                  'individual_nodes', 'aggregation_nodes', 'inactive_inputs')
        for key in layout:
            if getattr(fixed, key) != getattr(self, key):
                raise ValueError(f'AutoPose: fixed network {key}='
                                 f'{getattr(fixed, key)!r}, supernet '
                                 f'{getattr(self, key)!r}')
        inputs = dict(cell_inputs or {})
        for m, layer in enumerate(fixed.layers):
            for b in layer.branches:
                inputs[f'layers.{m}.branches.{b}.aggregation.cell'] = \
                    layer.sources[int(b)]
        return super().supernet_key_map(fixed, inputs)

    def derive_genotype(self) -> Genotype:
        """Cells by argmax α keeping every predecessor; branches recorded.

        The branch mask is :attr:`derived_branches` (set by
        ``BranchControllerHook``: the best of N sampled masks at the end of
        the search, the controller's greedy mask before).
        """
        if not self.is_searchable:
            return self.genotype
        cells = {
            INDIVIDUAL: derive_cell(self.arch_params.probabilities(INDIVIDUAL),
                                    self.op_names, self.individual_nodes,
                                    num_inputs=1, top_k=None),
            AGGREGATION: derive_cell(
                self.arch_params.probabilities(AGGREGATION), self.op_names,
                self.aggregation_nodes, num_inputs=self.num_branches,
                top_k=None),
        }
        extras = dict(
            op_names=list(self.op_names),
            branches=self.derived_branches.cpu().tolist(),
            num_branches=self.num_branches,
            branch_decisions=self.branch_decisions,
            num_stages=self.num_stages,
            modules_per_stage=self.modules_per_stage,
            inactive_inputs=self.inactive_inputs,
            search_channels=list(self.channels))
        extras.update(copy.deepcopy(self.branch_derivation))
        return Genotype(cells=cells, extras=extras)
