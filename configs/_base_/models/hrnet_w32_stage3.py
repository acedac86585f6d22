# MMPose's HRNet-W32 from the stem to stage 3 (stage 4 removed:
# stage4.num_modules=0, so the backbone returns the four branches after
# stage 3 and transition 3: 32, 64, 128, 256 channels at 1/4 .. 1/32,
# 8.13 M parameters), ImageNet weights; its stage-4 weights are unused
# (MMEngine warns about the unexpected keys and loads the rest). PoseNFS's
# HRNet configs put it in place of their base's backbone with
#   model = dict(backbone=dict(backbone={{_base_.hrnet_w32_stage3}}))
# (``_delete_`` drops the replaced backbone's own keys).
hrnet_w32_stage3 = dict(
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
        'pretrain_models/hrnet_w32-36af842e.pth'))
