# Integral human pose regression (Sun et al. 2018) with the seed report's
# settings: MMPose ResNet-50 (ImageNet weights), three 4x4 stride-2 transposed
# convolutions (256 channels, BN, ReLU) and a 1x1 conv to 18 joint volumes of
# 64 depth bins (64x64 for a 256x256 input), 3D soft-argmax, L1 loss, flip
# test. Adam 1e-4 (betas 0.9, 0.999) decayed x0.1 at epochs 40 and 60, 70
# epochs. Configs using this base set model.head.decoder to their dataset
# codec, the batch size and
#   train_cfg = dict(by_epoch=True, max_epochs=70, val_interval=5)
#
# ImageNet weights: torchvision's by default; a local file with
#   --cfg-options model.backbone.init_cfg.checkpoint=/path/resnet50.pth
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.999)))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[40, 60], gamma=0.1)
]

model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='ResNet',
        depth=50,
        init_cfg=dict(type='Pretrained',
                      checkpoint='torchvision://resnet50')),
    head=dict(
        type='VolumetricIntegralHead',
        in_channels=2048,
        num_keypoints=18,
        depth_bins=64,
        deconv_out_channels=(256, 256, 256),
        deconv_kernel_sizes=(4, 4, 4),
        final_layer=dict(kernel_size=1),
        loss=dict(type='L1Loss', use_target_weight=True),
        init_cfg=[
            dict(type='Normal', layer=['ConvTranspose2d', 'Conv2d'],
                 std=0.001),
            dict(type='Constant', layer='BatchNorm2d', val=1)
        ]),
    test_cfg=dict(flip_test=True))
