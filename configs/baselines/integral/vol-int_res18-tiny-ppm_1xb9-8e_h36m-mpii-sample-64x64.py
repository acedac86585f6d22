# A tiny integral-regression network on the shipped Human3.6M + MPII samples
# (4 + 5 images, 1:1 per batch): ResNet-18 at 1/8 width (8 base channels),
# Pyramid Pooling Module (bins 1, 2), three stride-2 deconvs of 16 channels
# and a 1x1 conv to 18 joints x 8 depth bins (16^3 volumes at 64x64), with the
# integral baseline's flip / colour scaling / textured-polygon occlusion. It
# proves the chain (train -> test with MPJPE), not accuracy.
_base_ = [
    '../../_base_/default_runtime.py',
    '../../_base_/datasets/h36m_mpii_sample_volumetric_64x64.py'
]
train_cfg = dict(by_epoch=True, max_epochs=8, val_interval=8)
randomness = dict(seed=0)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[6], gamma=0.1)
]

codec = dict(
    type='VolumetricIntegralLabel', input_size=(64, 64), depth_range=2000.)  # as the base's
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.0),
    dict(type='AppendRootRelativeDepth'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='RandomChannelColorScale', scale_range=(0.8, 1.2)),
    dict(
        type='RandomSyntheticOcclusion',
        prob=0.75,
        max_occluders=8,
        shapes=('polygon', ),
        fill='texture',
        area_range=(0.01, 0.1)),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs', meta_keys={{_base_.meta_keys}}),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

depth_bins = 8
model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='ResNet', depth=18, stem_channels=8, base_channels=8),
    neck=dict(type='PyramidPoolingNeck', in_channels=64, bins=(1, 2)),
    head=dict(
        type='VolumetricIntegralHead',
        in_channels=128,
        num_keypoints=18,
        depth_bins=depth_bins,
        deconv_out_channels=(16, 16, 16),
        deconv_kernel_sizes=(4, 4, 4),
        final_layer=dict(kernel_size=1),
        loss=dict(type='L1Loss', use_target_weight=True),
        decoder=codec),
    test_cfg=dict(flip_test=True))
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=1),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=1))
