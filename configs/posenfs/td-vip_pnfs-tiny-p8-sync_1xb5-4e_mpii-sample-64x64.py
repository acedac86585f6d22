# PoseNFS synchronous search on the shipped MPII sample with the P=8 part
# table (overlapping parts: elbows, shoulders and knees are predicted by two
# parts and merged by mean). Tiny network (MobileNetV2 x0.25, C=2, H=1,
# d=4); proves the chain, not accuracy.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/datasets/mpii_sample_64x64.py'
]

train_cfg = dict(max_epochs=4, val_interval=4)
randomness = dict(seed=0)

parts = 'mpii_p8'
optim_wrapper = dict(
    constructor='NASOptimWrapperConstructor',
    arch_params='include',
    optimizer=dict(type='Adam', lr=1e-3, weight_decay=0.),
    paramwise_cfg=dict(
        custom_keys={'arch_params': dict(lr_mult=1.0, decay_mult=0.0)}))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[3], gamma=0.25)
]

model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='PartFabricBackbone',
        backbone=dict(
            type='MobileNetV2', widen_factor=0.25, out_indices=(1, 2, 4, 5)),
        adapter=dict(type='PyramidAdapter', in_channels=[8, 8, 24, 40]),
        parts=parts,
        channels=2,
        num_hidden=1,
        num_layers=6,
        subnet_layers=3,
        num_scales=4,
        op_set='posenfs_subnet',
        genotype=None),
    head=dict(
        type='VectorInPixelHead',
        in_channels=8,
        out_channels=16,
        parts=parts,
        vector_dim=4,
        merge='mean',
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder={{_base_.codec}}),
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True))

custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(type='ArchOptimizerHook', mode='synchronous'),
    dict(type='GenotypeExportHook'),
]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=1),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=2))
