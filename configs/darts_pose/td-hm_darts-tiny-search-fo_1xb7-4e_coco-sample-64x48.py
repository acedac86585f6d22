# First-order DARTS search of a 3-cell backbone (normal, reduction, normal;
# 3 intermediate nodes, DARTS op set) with MMPose's HeatmapHead on the shipped
# COCO sample. Weights train on the train split; α is updated by
# ArchOptimizerHook on the architecture split (here the same tiny sample) from
# epoch 1; GenotypeExportHook writes work_dir/genotype.json every epoch.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/datasets/coco_sample_64x48.py'
]

train_cfg = dict(max_epochs=4, val_interval=4)
randomness = dict(seed=0)

optim_wrapper = dict(
    constructor='NASOptimWrapperConstructor',
    arch_params='exclude',  # α is stepped by ArchOptimizerHook only
    optimizer=dict(type='Adam', lr=1e-3))
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
        type='DartsCellBackbone',
        stem_channels=16,
        stem_stride=2,
        channels=8,
        num_cells=3,
        reduction_cells=(1, ),
        num_nodes=3,
        op_set='darts',
        genotype=None),  # None: supernet
    head=dict(
        type='HeatmapHead',
        in_channels=48,
        out_channels=17,
        deconv_out_channels=None,
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder={{_base_.codec}}),
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True))

custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(
        type='ArchOptimizerHook',
        mode='first_order',
        arch_dataloader={{_base_.arch_dataloader}},
        optimizer=dict(
            type='Adam', lr=3e-3, betas=(0.5, 0.999), weight_decay=1e-3),
        begin_epoch=1),
    dict(type='GenotypeExportHook'),
]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=1),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=2))
