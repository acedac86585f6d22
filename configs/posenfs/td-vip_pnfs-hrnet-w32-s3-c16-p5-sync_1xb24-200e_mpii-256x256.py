# PoseNFS with the HRNet-W32 stem~stage3 backbone (PoseNFS Table VI
# "Our-b-CNF", MPII): MMPose's own HRNet-W32 with stage 4 removed
# (stage4.num_modules=0, so the backbone returns the four branches after
# stage 3 and transition 3: 32, 64, 128, 256 channels at 1/4 .. 1/32,
# 8.13 M parameters, the paper's 8.1 M) -> PyramidAdapter -> P=5 part
# CNFs (C=16, H=1, 6 cells each) -> vector in pixel d=8. 256x256 input,
# synchronous search, Adam 1e-3, 200 epochs, x0.25 at 90/120/150, batch 24,
# rotation +-45, scale [0.7, 1.3], flip; flip test.
# Pretrained: the ImageNet HRNet-W32; its stage-4 weights are unused
# (MMEngine warns about the unexpected keys and loads the rest).
_base_ = [
    './td-vip_pnfs-mbv2-c10-p3-sync_1xb24-200e_mpii-256x256.py',
    '../_base_/models/hrnet_w32_stage3.py'
]

parts = 'mpii_p5'
model = dict(
    backbone=dict(
        backbone={{_base_.hrnet_w32_stage3}},
        adapter=dict(in_channels=[32, 64, 128, 256]),
        parts=parts,
        channels=16),
    head=dict(in_channels=64, parts=parts))
