# Part-aware 3D NAS search with the seed's settings: N_c=10 cells (2 normal,
# 5 reduction at Eq. 8 positions 2-6, 3 fusion cells), 3 Strategy II part
# groups, DARTS op set, 128x128 input with 32^3 volumes. Weights: S1, S5, S6,
# AdamW lr 1e-3, batch 40, 25 epochs, x0.1 at 15 and 20. Architecture: S7, S8
# from the 8th epoch (begin_epoch=7: runner.epoch counts from 0), second order
# (DARTS Eq. 7), Adam lr 8e-4, weight decay 3e-4. L1 loss.
# Part groups: part_groups_h36m-sample_ksg_3.json next to this file (KSG
# mutual information + spectral clustering, tools/analysis/group_parts.py;
# the command and its data are in the file). Node i of every fusion cell
# estimates groups[group_order[i]] (group_order=None keeps the file order).
# First order: --cfg-options custom_hooks.1.mode=first_order
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/datasets/h36m-search_volumetric_128x128.py'
]

num_keypoints = 18
depth_bins = 32
train_cfg = dict(max_epochs=25, val_interval=5)

optim_wrapper = dict(
    constructor='NASOptimWrapperConstructor',
    arch_params='exclude',
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=1e-4))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[15, 20], gamma=0.1)
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
        groups='{{fileDirname}}/part_groups_h36m-sample_ksg_3.json',
        group_order=None,
        num_cells=10,
        num_reductions=5,
        num_fusions=3,
        reduction_rule='darts',
        stem_channels=48,
        stem_stride=1,
        channels=16,
        num_nodes=4,
        fusion_channels=None,  # input nodes as wide as the widest group
        joint_channels=16,
        op_set='darts',
        genotype=None),
    head=dict(
        type='VolumetricIntegralHead',
        in_channels=num_keypoints * depth_bins,
        num_keypoints=num_keypoints,
        depth_bins=depth_bins,
        decoder={{_base_.codec}}),
    test_cfg=dict(flip_test=True))

custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(
        type='ArchOptimizerHook',
        mode='second_order',
        arch_dataloader={{_base_.arch_dataloader}},
        optimizer=dict(
            type='Adam', lr=8e-4, betas=(0.5, 0.999), weight_decay=3e-4),
        begin_epoch=7),  # 0-based: the 8th epoch
    dict(type='GenotypeExportHook'),
]
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=3))
