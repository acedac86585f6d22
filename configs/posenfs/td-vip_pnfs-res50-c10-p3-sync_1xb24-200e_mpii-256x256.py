# PoseNFS on MPII 256x256 with the ImageNet ResNet-50 stages (256, 512,
# 1024, 2048 channels at 1/4 .. 1/32) shared by P=3 CNFs (C=10, H=1, 6
# cells), d=8; otherwise the settings of the MobileNetV2 MPII config.
_base_ = ['./td-vip_pnfs-mbv2-c10-p3-sync_1xb24-200e_mpii-256x256.py']

model = dict(
    backbone=dict(
        backbone=dict(
            _delete_=True,
            type='ResNet',
            depth=50,
            out_indices=(0, 1, 2, 3),
            init_cfg=dict(type='Pretrained',
                          checkpoint='torchvision://resnet50')),
        adapter=dict(in_channels=[256, 512, 1024, 2048])))
