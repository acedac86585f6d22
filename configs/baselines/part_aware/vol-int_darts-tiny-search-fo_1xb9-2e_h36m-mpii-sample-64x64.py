# Backbone-only search at toy size on the shipped Human3.6M + MPII samples:
# a 3-cell DartsCellBackbone supernet (normal, reduction, reduction; 3 nodes,
# DARTS op set, stem stride 2: 1/8 resolution, 4 x 32 = 128 channels) with
# the integral deconv head (two stride-2 deconvs of 16, 18 x 8 depth bins).
# α is updated by ArchOptimizerHook on the same samples (first order, from
# epoch 0); GenotypeExportHook writes work_dir/genotype.json. Proves the
# chain search -> retrain -> test, not accuracy.
_base_ = [
    '../../_base_/default_runtime.py',
    '../../_base_/datasets/h36m_mpii_sample_volumetric_64x64.py'
]
train_cfg = dict(max_epochs=2, val_interval=2)
randomness = dict(seed=0)
optim_wrapper = dict(
    constructor='NASOptimWrapperConstructor',
    arch_params='exclude',
    optimizer=dict(type='Adam', lr=1e-3))
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
    test_cfg=dict(flip_test=True))
arch_dataloader = {{_base_.train_dataloader}}
custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(
        type='ArchOptimizerHook',
        mode='first_order',
        arch_dataloader=arch_dataloader,
        optimizer=dict(
            type='Adam', lr=3e-3, betas=(0.5, 0.999), weight_decay=1e-3),
        begin_epoch=0),
    dict(type='GenotypeExportHook'),
]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=1),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=1))
