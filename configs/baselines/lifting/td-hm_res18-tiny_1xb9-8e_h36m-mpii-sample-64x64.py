# The 2D network of the heatmap + lifting chain at toy size on the shipped
# Human3.6M + MPII samples (1:1 per batch): ResNet-18 at 1/8 width, three
# stride-2 deconvs of 16 channels, 18 heatmaps of 16x16 for a 64x64 crop.
# Its architecture is the pose2d of hm-lift_res18-tiny_1xb4-8e_h36m-sample-64x64.py.
_base_ = [
    '../../_base_/default_runtime.py',
    '../../_base_/datasets/h36m_mpii_sample_volumetric_64x64.py'
]
train_cfg = dict(by_epoch=True, max_epochs=8, val_interval=8)
randomness = dict(seed=0)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))

heatmap_codec = dict(
    type='MSRAHeatmap', input_size=(64, 64), heatmap_size=(16, 16), sigma=1)
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.0),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='TopdownAffine', input_size=heatmap_codec['input_size']),
    dict(type='RandomChannelColorScale', scale_range=(0.8, 1.2)),
    dict(type='GenerateTarget', encoder=heatmap_codec),
    dict(type='PackPoseInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.0),
    dict(type='TopdownAffine', input_size=heatmap_codec['input_size']),
    dict(type='PackPoseInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = [dict(type='EPE'), dict(type='PCKAccuracy', thr=0.05)]
test_evaluator = val_evaluator

model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(type='ResNet', depth=18, stem_channels=8, base_channels=8),
    head=dict(
        type='HeatmapHead',
        in_channels=64,
        out_channels=18,
        deconv_out_channels=(16, 16, 16),
        deconv_kernel_sizes=(4, 4, 4),
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder=heatmap_codec),
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True))
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=1),
    checkpoint=dict(type='CheckpointHook', interval=8, max_keep_ckpts=1))
