# Part-aware 3D NAS on the generated proxy figures (data/synthetic): a
# first-order search of a small 5-cell network (normal, reductions at Eq. 8
# positions 2-3, normal, one fusion cell) with 3 part groups, 64x64 input,
# 16 depth bins; weights on the first 640 images (S1-S4), α on S12-S13 from
# epoch 1. About two CPU minutes.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/datasets/synthetic_figures_volumetric_64x64.py'
]

num_keypoints = 18
depth_bins = 16
train_cfg = dict(max_epochs=2, val_interval=2)
train_dataloader = dict(dataset=dict(indices=640))
randomness = dict(seed=0)

optim_wrapper = dict(
    constructor='NASOptimWrapperConstructor',
    arch_params='exclude',
    optimizer=dict(type='AdamW', lr=2e-3, weight_decay=1e-4))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[10], gamma=0.1)
]

model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='PartAwareNASBackbone',
        num_keypoints=num_keypoints,
        depth_bins=depth_bins,
        groups=3,
        num_cells=5,
        num_reductions=2,
        num_fusions=1,
        stem_channels=16,
        stem_stride=2,
        channels=8,
        num_nodes=3,
        fusion_channels=None,  # input nodes as wide as the widest group
        joint_channels=4,
        op_set='darts',
        genotype=None),
    head=dict(
        type='VolumetricIntegralHead',
        in_channels=num_keypoints * depth_bins,
        num_keypoints=num_keypoints,
        depth_bins=depth_bins,
        decoder={{_base_.codec}}),
    test_cfg=dict(flip_test=False))  # left/right are coloured differently

custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(
        type='ArchOptimizerHook',
        mode='first_order',
        arch_dataloader={{_base_.arch_dataloader}},
        # a far larger α lr than DARTS' 3e-4: α must move within 20 steps
        optimizer=dict(
            type='Adam', lr=3e-2, betas=(0.5, 0.999), weight_decay=3e-4),
        begin_epoch=1),
    dict(type='GenotypeExportHook'),
]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=1))
