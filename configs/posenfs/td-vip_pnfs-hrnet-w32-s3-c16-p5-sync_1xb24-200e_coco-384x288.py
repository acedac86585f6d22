# PoseNFS "Ours-3" of PoseNFS Table VII (COCO): HRNet-W32 stem~stage3
# (MMPose's HRNet, stage 4 removed; 32/64/128/256 channels at 1/4..1/32)
# shared by P=5 part CNFs (C=16, H=1, 6 cells), d=8, 384x288 input,
# synchronous search, 200 epochs, Adam 1e-3 x0.25 at 90/120/150, batch 24,
# rotation +-45, scale [0.7, 1.3], flip; flip test on AP_H 56 detections.
_base_ = [
    './td-vip_pnfs-mbv2-c16-p3-sync_1xb24-200e_coco-384x288.py',
    '../_base_/models/hrnet_w32_stage3.py'
]

parts = 'coco_p5'
model = dict(
    backbone=dict(
        backbone={{_base_.hrnet_w32_stage3}},
        adapter=dict(in_channels=[32, 64, 128, 256]),
        parts=parts,
        channels=16),
    head=dict(in_channels=64, parts=parts))
