# Part-aware 3D NAS, tiny: first-order search of a 5-cell network (normal,
# 2 reductions at Eq. 8 positions 2-3, normal, 1 fusion cell with 3 part
# groups) on the shipped Human3.6M + MPII samples, 64x64 input, 8 depth bins.
# Runs in well under a minute on CPU; it proves the chain, not accuracy.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/datasets/h36m_mpii_sample_volumetric_64x64.py'
]

num_keypoints = 18  # 17 H36M joints + the MPII thorax
depth_bins = 8
train_cfg = dict(max_epochs=4, val_interval=4)
randomness = dict(seed=0)

optim_wrapper = dict(
    constructor='NASOptimWrapperConstructor',
    arch_params='exclude',
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=1e-4))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[3], gamma=0.1)
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
        groups=3,  # Strategy I; or a JSON from tools/analysis/group_parts.py
        num_cells=5,
        num_reductions=2,
        num_fusions=1,
        stem_channels=8,
        stem_stride=2,
        channels=4,
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
    test_cfg=dict(flip_test=True))

# the architecture split: the same samples with training targets
arch_dataloader = {{_base_.train_dataloader}}
custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(
        type='ArchOptimizerHook',
        mode='first_order',
        arch_dataloader=arch_dataloader,
        optimizer=dict(
            type='Adam', lr=8e-4, betas=(0.5, 0.999), weight_decay=3e-4),
        begin_epoch=1),
    dict(type='GenotypeExportHook'),
]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=1),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=2,
                    save_best='MPJPE', rule='less'))
