# Backbone-only search on the generated proxy figures: the toy supernet of
# vol-int_darts-tiny-search-fo_1xb9-2e_h36m-mpii-sample-64x64.py (3 DARTS
# cells: normal, reduction, reduction; integral deconv head, 18 x 8 depth
# bins), weights on the first 640 training images (S1-S4), α on S12-S13 from
# epoch 1 (as the part-aware proxy search), 2 epochs.
_base_ = [
    '../../_base_/default_runtime.py',
    '../../_base_/datasets/synthetic_figures_volumetric_64x64.py'
]
train_cfg = dict(max_epochs=2, val_interval=2)
train_dataloader = dict(dataset=dict(indices=640))
randomness = dict(seed=0)
optim_wrapper = dict(
    constructor='NASOptimWrapperConstructor',
    arch_params='exclude',
    optimizer=dict(type='AdamW', lr=2e-3, weight_decay=1e-4))
model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='DartsCellBackbone',
        stem_channels=8,
        stem_stride=2,
        channels=8,
        num_cells=3,
        reduction_cells=(1, 2),
        num_nodes=3,
        op_set='darts',
        genotype=None),
    head=dict(
        type='VolumetricIntegralHead',
        in_channels=96,
        num_keypoints=18,
        depth_bins=8,
        deconv_out_channels=(16, 16),
        deconv_kernel_sizes=(4, 4),
        final_layer=dict(kernel_size=1),
        decoder={{_base_.codec}}),
    test_cfg=dict(flip_test=False))
custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(
        type='ArchOptimizerHook',
        mode='first_order',
        arch_dataloader={{_base_.arch_dataloader}},
        optimizer=dict(
            type='Adam', lr=3e-2, betas=(0.5, 0.999), weight_decay=3e-4),
        begin_epoch=1),
    dict(type='GenotypeExportHook'),
]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=1))
