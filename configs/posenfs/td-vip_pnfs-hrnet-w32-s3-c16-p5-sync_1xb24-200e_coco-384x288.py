# PoseNFS "Ours-3" of PoseNFS Table VII (COCO): HRNet-W32 stem~stage3
# (MMPose's HRNet, stage 4 removed; 32/64/128/256 channels at 1/4..1/32)
# shared by P=5 part CNFs (C=16, H=1, 6 cells), d=8, 384x288 input,
# synchronous search, 200 epochs, Adam 1e-3 x0.25 at 90/120/150, batch 24,
# rotation +-45, scale [0.7, 1.3], flip; flip test on AP_H 56 detections.
_base_ = ['./td-vip_pnfs-mbv2-c16-p3-sync_1xb24-200e_coco-384x288.py']

parts = 'coco_p5'
model = dict(
    backbone=dict(
        backbone=dict(
            _delete_=True,
            type='HRNet',
            in_channels=3,
            extra=dict(
                stage1=dict(
                    num_modules=1,
                    num_branches=1,
                    block='BOTTLENECK',
                    num_blocks=(4, ),
                    num_channels=(64, )),
                stage2=dict(
                    num_modules=1,
                    num_branches=2,
                    block='BASIC',
                    num_blocks=(4, 4),
                    num_channels=(32, 64)),
                stage3=dict(
                    num_modules=4,
                    num_branches=3,
                    block='BASIC',
                    num_blocks=(4, 4, 4),
                    num_channels=(32, 64, 128)),
                stage4=dict(
                    num_modules=0,
                    num_branches=4,
                    block='BASIC',
                    num_blocks=(4, 4, 4, 4),
                    num_channels=(32, 64, 128, 256))),
            init_cfg=dict(
                type='Pretrained',
                checkpoint='https://download.openmmlab.com/mmpose/'
                'pretrain_models/hrnet_w32-36af842e.pth')),
        adapter=dict(in_channels=[32, 64, 128, 256]),
        parts=parts,
        channels=16),
    head=dict(in_channels=64, parts=parts))
