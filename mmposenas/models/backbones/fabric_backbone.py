"""A cell-based neural fabric as the backbone (PoseNFS Sec. III-C, Table VIII).

A two-layer convolutional stem brings the image to 1/4 scale; the first
``kept_layers`` layers of an ``L``-layer CNF (:class:`CellNeuralFabric`, fed
by the stem as its only scale) are kept, and the cells of the last kept
layer are the feature pyramid (1/4 ... 1/2^(S+1), ``C·2^(s+2)`` channels).
The paper's settings (Table VIII) are presets:

========  ===  ===  ===  =============  =====
arch       L    C    H   layers kept    cells
========  ===  ===  ===  =============  =====
fabric1    7   10    2        3            9
fabric2    8   10    1        5           17
fabric3    8   12    1        5           17
========  ===  ===  ===  =============  =====

Used alone it is a searchable backbone (its own α, shared by its cells, and
β per cell, in an :class:`ArchitectureParameters`). Inside
:class:`~mmposenas.models.backbones.PartFabricBackbone` (``backbone=dict(
type='FabricPyramidBackbone', ...)``) the part network owns its α/β
(``external_arch=True``: keys ``backbone_cell`` / ``backbone_beta`` of the
part network's one :class:`ArchitectureParameters`) and passes the sampled
weights to :meth:`FabricPyramidBackbone.forward`, so α lives in one place
and the backbone's genotype travels in the part network's genotype (cell
``backbone_cell``, settings in ``extras.backbone``).
"""
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmpose.registry import MODELS
from torch import Tensor

from ..search import (ArchitectureParameters, Genotype,
                      SearchableMixin, num_cell_edges, resolve_op_names)
from .fabric import (CellNeuralFabric, check_genotype_search_space,
                     check_saved_search_space,
                     derive_fabric_cell, encode_json_tensor,
                     fabric_positions, fabric_spec_from_cell,
                     fabric_valid_counts, neighbour_mask)

#: Table VIII of PoseNFS: (L, C, H, layers kept).
FABRIC_ARCHS: Dict[str, Tuple[int, int, int, int]] = {
    'fabric1': (7, 10, 2, 3),
    'fabric2': (8, 10, 1, 5),
    'fabric3': (8, 12, 1, 5),
}
#: Key of the backbone cell in a genotype.
BACKBONE_CELL = 'backbone_cell'


@MODELS.register_module()
class FabricPyramidBackbone(BaseModule, SearchableMixin):
    """Stem + the first layers of a CNF, returning a feature pyramid.

    Args:
        arch (str, optional): A preset of :data:`FABRIC_ARCHS`
            (``'fabric1'``, ``'fabric2'``, ``'fabric3'``); it sets
            ``num_layers``, ``channels``, ``num_hidden`` and ``kept_layers``
            (explicit values of these are then refused).
        num_layers (int): Layers L of the whole fabric.
        kept_layers (int): First layers kept (m); the last kept layer must
            hold a cell at every scale.
        channels (int): Channel factor C (scale s has ``C·2^(s+2)``).
        num_hidden (int): Hidden nodes H per cell.
        num_scales (int): Scales S.
        op_set (str | Sequence[str]): Candidate ops (default
            ``'posenfs_backbone'``: zero, skip, sep 3×3, dilated 3×3, 3×3
            max and average pooling, as the official backbone).
        stem_channels (int): Channels of the stem's two stride-2 3×3 convs.
        scale_by_count (bool): Official term-count scaling (see
            docs/posenfs.md).
        op_affine (bool): BatchNorm affine parameters in the ops.
        external_arch (bool): α/β are owned and passed in by an enclosing
            network (no own :class:`ArchitectureParameters`).
        genotype (Genotype | dict | str, optional): Fixed network (cell
            ``backbone_cell``); None builds the supernet.
        sampling (str): α/β sampling of a standalone supernet.
        tau (float): Gumbel temperature.
        arch_init_std (float): α/β initial standard deviation.
        derive_top_k (int, optional): Edges kept per hidden node.
        init_cfg (dict, optional): MMEngine initialisation config.
    """

    def __init__(self, arch: Optional[str] = None,
                 num_layers: Optional[int] = None,
                 kept_layers: Optional[int] = None,
                 channels: Optional[int] = None,
                 num_hidden: Optional[int] = None, num_scales: int = 4,
                 op_set: Union[str, Sequence[str]] = 'posenfs_backbone',
                 stem_channels: int = 64, scale_by_count: bool = False,
                 op_affine: bool = False, external_arch: bool = False,
                 genotype: Optional[Union[Genotype, Dict, str]] = None,
                 sampling: str = 'softmax', tau: float = 1.0,
                 arch_init_std: float = 1e-3,
                 derive_top_k: Optional[int] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        given = dict(num_layers=num_layers, channels=channels,
                     num_hidden=num_hidden, kept_layers=kept_layers)
        if arch is not None:
            if arch not in FABRIC_ARCHS:
                raise ValueError(f'FabricPyramidBackbone: unknown arch '
                                 f'{arch!r}; expected one of '
                                 f'{sorted(FABRIC_ARCHS)}')
            clash = [k for k, v in given.items() if v is not None]
            if clash:
                raise ValueError(f'FabricPyramidBackbone: arch={arch!r} sets '
                                 f'{clash}; give either arch or them')
            given = dict(zip(('num_layers', 'channels', 'num_hidden',
                              'kept_layers'), FABRIC_ARCHS[arch]))
        missing = [k for k, v in given.items() if v is None]
        if missing:
            raise ValueError(f'FabricPyramidBackbone: {missing} not set '
                             f'(give arch= or every one of them)')
        self.op_names = resolve_op_names(op_set)
        self.settings = dict(
            num_layers=int(given['num_layers']),
            kept_layers=int(given['kept_layers']),
            channels=int(given['channels']),
            num_hidden=int(given['num_hidden']), num_scales=int(num_scales),
            stem_channels=int(stem_channels),
            scale_by_count=bool(scale_by_count), op_affine=bool(op_affine))
        L, m = self.settings['num_layers'], self.settings['kept_layers']
        S, H = self.settings['num_scales'], self.settings['num_hidden']
        self.positions = fabric_positions(L, S, 0, m)
        self.out_scales = [s for j, s in self.positions if j == m - 1]
        if len(self.out_scales) != S:
            raise ValueError(
                f'FabricPyramidBackbone: layer {m - 1} of an L={L} fabric has '
                f'{len(self.out_scales)} cells; a pyramid of {S} scales needs '
                f'kept_layers with a cell at every scale')
        self.derive_top_k = derive_top_k
        self.external_arch = bool(external_arch)
        self.register_buffer('search_space', encode_json_tensor(
            dict(op_names=list(self.op_names), fabric=dict(self.settings))))
        C = self.settings['channels']
        self.out_channels = [C * 2**(s + 2) for s in range(S)]
        stem = int(stem_channels)
        self.stem = nn.Sequential(
            nn.Conv2d(3, stem, 3, 2, 1, bias=False), nn.BatchNorm2d(stem),
            nn.ReLU(inplace=True),
            nn.Conv2d(stem, stem, 3, 2, 1, bias=False), nn.BatchNorm2d(stem),
            nn.ReLU(inplace=True),
            nn.Conv2d(stem, self.out_channels[0], 1, bias=False))
        self.arch_params = None
        self.genotype: Optional[Genotype] = None
        if genotype is None:
            full = {(i, j): list(self.op_names)
                    for i in range(H) for j in range(i + 1)}
            self.fabric = CellNeuralFabric(self.out_channels, self.positions,
                                           1, full, H, affine=op_affine)
            if not self.external_arch:
                shapes, masks = self.arch_shapes()
                self.arch_params = ArchitectureParameters(
                    shapes, sampling=sampling, tau=tau,
                    init_std=arch_init_std, masks=masks)
        else:
            self.genotype = Genotype.coerce(genotype)
            self._check_genotype(self.genotype)
            edges, weights, beta = fabric_spec_from_cell(
                self.genotype[BACKBONE_CELL],
                f'PoseNFS backbone genotype: cells.{BACKBONE_CELL}',
                self.positions, 1, self.op_names, H,
                self.settings['scale_by_count'])
            self.fabric = CellNeuralFabric(
                self.out_channels, self.positions, 1, edges, H,
                input_weights=beta, edge_weights=weights, affine=op_affine)

    # ------------------------------------------------------------- arch
    def arch_shapes(self, prefix: str = ''
                    ) -> Tuple[Dict[str, Tuple[int, int]], Dict[str, Tensor]]:
        """α/β shapes and β mask under ``<prefix>cell`` / ``<prefix>beta``."""
        edges = num_cell_edges(self.settings['num_hidden'], 1)
        shapes = {f'{prefix}cell': (edges, len(self.op_names)),
                  f'{prefix}beta': (len(self.positions), 3)}
        masks = {f'{prefix}beta': torch.tensor(neighbour_mask(
            self.positions, 1))}
        return shapes, masks

    @property
    def is_supernet(self) -> bool:
        """Built without a genotype (own or external α/β)."""
        return self.genotype is None

    def extras(self) -> Dict[str, Any]:
        """The genotype extras that describe this backbone."""
        return dict(method='posenfs_backbone', op_names=list(self.op_names),
                    fabric=dict(self.settings))

    def derive_genotype(self, mode: str = 'discrete',
                        alpha: Optional[Tensor] = None,
                        beta: Optional[Tensor] = None) -> Genotype:
        """Genotype of α/β (cell ``backbone_cell``, extras the settings).

        Args:
            mode (str): ``'discrete'`` or ``'continuous'`` (see
                :func:`~mmposenas.models.backbones.fabric.derive_fabric_cell`).
            alpha (Tensor, optional): (E, O) softmax(α) given by an
                enclosing network (``external_arch``).
            beta (Tensor, optional): (N_cells, 3) softmax(β), likewise.
        """
        if not self.is_supernet:
            return self.genotype
        if alpha is None or beta is None:
            if self.arch_params is None:
                raise ValueError('FabricPyramidBackbone(external_arch=True) '
                                 'derives from the α/β its owner passes')
            alpha = self.arch_params.probabilities('cell')
            beta = self.arch_params.probabilities('beta')
        cell = derive_fabric_cell(alpha, beta, self.positions, 1,
                                  self.op_names, self.settings['num_hidden'],
                                  mode, self.derive_top_k)
        extras = self.extras()
        extras['mode'] = mode
        return Genotype(cells={BACKBONE_CELL: cell}, extras=extras)

    def _check_genotype(self, genotype: Genotype) -> None:
        check_genotype_search_space(
            'PoseNFS backbone genotype', 'backbone', genotype.extras,
            self.op_names, self.settings,
            ('num_layers', 'kept_layers', 'channels', 'num_hidden',
             'num_scales', 'scale_by_count'))
        genotype.validate(op_names=self.op_names, required=[BACKBONE_CELL])

    def _load_from_state_dict(self, state_dict, prefix, local_metadata,
                              strict, missing_keys, unexpected_keys,
                              error_msgs) -> None:
        """Refuse a checkpoint of another op list or fabric (see fabric.py)."""
        key = prefix + 'search_space'
        if key in state_dict:
            check_saved_search_space('FabricPyramidBackbone',
                                     state_dict[key], self.op_names,
                                     self.settings)
            state_dict[key] = self.search_space.clone()
        super()._load_from_state_dict(state_dict, prefix, local_metadata,
                                      strict, missing_keys, unexpected_keys,
                                      error_msgs)

    # ---------------------------------------------------------- forward
    def forward(self, x: Tensor, alpha: Optional[Tensor] = None,
                beta: Optional[Tensor] = None,
                active: Optional[List[List[bool]]] = None
                ) -> Tuple[Tensor, ...]:
        """Stem, then the kept fabric layers.

        Args:
            x (Tensor): (B, 3, H, W) images.
            alpha (Tensor, optional): (E, O) sampled α weights from an
                enclosing network (``external_arch``); ignored when fixed.
            beta (Tensor, optional): (N_cells, 3) sampled β weights, likewise.
            active (list, optional): Host-side op flags of ``alpha``.

        Returns:
            tuple[Tensor]: S levels (B, C·2^(s+2), H/2^(s+2), W/2^(s+2)).
        """
        feats = [self.stem(x)]
        if not self.is_supernet:
            return tuple(self.fabric(feats))
        if self.arch_params is not None:
            samples = self.sample_arch_weights()
            alpha, active = samples['cell']
            beta, _ = samples['beta']
        elif alpha is None or beta is None:
            raise ValueError('FabricPyramidBackbone(external_arch=True) needs '
                             'the α and β weights of its owner')
        if self.settings['scale_by_count']:
            alpha = alpha * len(self.op_names)
            beta = beta * fabric_valid_counts(self.fabric, beta)
        return tuple(self.fabric(feats, beta, alpha, active))
