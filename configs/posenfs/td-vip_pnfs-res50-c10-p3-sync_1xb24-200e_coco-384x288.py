# PoseNFS "Ours-2" of PoseNFS Table VII: ImageNet ResNet-50 stages (256, 512,
# 1024, 2048 channels at 1/4 .. 1/32) shared by P=3 CNFs with C=10.
_base_ = ['./td-vip_pnfs-mbv2-c16-p3-sync_1xb24-200e_coco-384x288.py']

model = dict(
    backbone=dict(
        backbone=dict(
            _delete_=True,
            type='ResNet',
            depth=50,
            out_indices=(0, 1, 2, 3),
            init_cfg=dict(type='Pretrained',
                          checkpoint='torchvision://resnet50')),
        adapter=dict(in_channels=[256, 512, 1024, 2048]),
        channels=10),
    head=dict(in_channels=40))
