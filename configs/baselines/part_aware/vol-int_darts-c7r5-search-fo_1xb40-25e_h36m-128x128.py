# "Backbone-only search" baseline of the part-aware NAS paper: the searched
# encoder is a plain normal/reduction DARTS stack (DartsCellBackbone; the
# part-aware network's encoder without its fusion cells: 7 cells, reductions
# at cells 1-5, i.e. the Eq. 8 positions 2-6, stem 48, C = 16 doubling to 512,
# 4 nodes -> 2048 channels at 1/32) with the integral deconv head (three 4x4
# stride-2 deconvs of 256, 1x1 conv to 18 x 32 depth bins: 32^3 volumes at
# 128x128). Search settings as the part-aware search: weights on S1, S5, S6
# (AdamW 1e-3, batch 40, 25 epochs, x0.1 at 15 and 20), α on S7, S8 from epoch
# 8 (Adam 8e-4, weight decay 3e-4). GenotypeExportHook writes genotype.json.
_base_ = [
    '../../_base_/default_runtime.py',
    '../../_base_/datasets/h36m-search_volumetric_128x128.py'
]
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
        type='DartsCellBackbone',
        stem_channels=48,
        stem_stride=1,
        channels=16,
        num_cells=7,
        reduction_cells=(1, 2, 3, 4, 5),
        num_nodes=4,
        op_set='darts',
        genotype=None),
    head=dict(
        type='VolumetricIntegralHead',
        in_channels=2048,
        num_keypoints=18,
        depth_bins=depth_bins,
        deconv_out_channels=(256, 256, 256),
        deconv_kernel_sizes=(4, 4, 4),
        final_layer=dict(kernel_size=1),
        decoder={{_base_.codec}}),
    test_cfg=dict(flip_test=True))
custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(
        type='ArchOptimizerHook',
        mode='first_order',
        arch_dataloader={{_base_.arch_dataloader}},
        optimizer=dict(
            type='Adam', lr=8e-4, betas=(0.5, 0.999), weight_decay=3e-4),
        begin_epoch=8),
    dict(type='GenotypeExportHook'),
]
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=3))
