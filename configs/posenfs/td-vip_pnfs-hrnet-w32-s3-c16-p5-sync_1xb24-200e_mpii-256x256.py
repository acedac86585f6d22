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
_base_ = ['./td-vip_pnfs-mbv2-c10-p3-sync_1xb24-200e_mpii-256x256.py']

parts = 'mpii_p5'
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
                # no stage-4 modules: transition 3 makes the 1/32 branch
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
