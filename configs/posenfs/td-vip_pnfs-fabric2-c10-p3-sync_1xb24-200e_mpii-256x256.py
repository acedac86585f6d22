# PoseNFS with a CNF backbone (PoseNFS Sec. III-C, Table VIII "Fabric-2"):
# a two-conv stem to 1/4 and the first 5 layers of an L=8 fabric (C=10,
# H=1, 17 cells; ops zero/skip/sep3x3/dil3x3/max/avg pool) give the 4-level
# pyramid (40, 80, 160, 320 channels), which P=3 part CNF subnetworks
# (C=10, H=1, 6 cells) read through 1x1 adapters; vector in pixel d=8.
# The backbone's α/β are searched with the subnetworks' (one
# ArchitectureParameters, keys backbone_cell / backbone_beta) and its cell
# travels in the genotype (cells.backbone_cell, extras.backbone).
# Trained from scratch (the paper's ImageNet-pretrained fabrics are not
# available). Fabric-1 / Fabric-3: arch='fabric1' / 'fabric3' (Fabric-3
# has C=12: adapter in_channels 48, 96, 192, 384).
_base_ = ['./td-vip_pnfs-mbv2-c10-p3-sync_1xb24-200e_mpii-256x256.py']

model = dict(
    backbone=dict(
        backbone=dict(
            _delete_=True, type='FabricPyramidBackbone', arch='fabric2'),
        adapter=dict(in_channels=[40, 80, 160, 320])))
