# The whole AutoPose search on the shipped COCO sample at 64x48, in seconds on
# a CPU: a small supernet (4-8 channels, 3 stages x 2 modules, 4 branches),
# first-order Gumbel cell search from epoch 0, and the branch controller from
# epoch 0 (1 update of 2 samples per epoch; best of 2 sampled masks at the
# end), rewarded by CocoMetric AP on the sample. It proves the chain, not
# accuracy: on 4 images the AP stays near 0.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/datasets/coco_sample_64x48.py'
]

train_cfg = dict(max_epochs=2, val_interval=2)
randomness = dict(seed=0)

optim_wrapper = dict(
    constructor='NASOptimWrapperConstructor',
    arch_params='exclude',  # α is stepped by ArchOptimizerHook only
    optimizer=dict(type='Adam', lr=1e-3, betas=(0.9, 0.99)))
param_scheduler = []
model_wrapper_cfg = dict(
    type='MMDistributedDataParallel', find_unused_parameters=True)

channels = (4, 4, 8, 8)
model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='AutoPoseBackbone',
        stem_channels=8,
        channels=channels,
        num_stages=3,
        modules_per_stage=2,
        branch_decisions='module',
        individual_nodes=4,
        aggregation_nodes=2,
        op_set='autopose',
        inactive_inputs='drop',
        sampling='gumbel_hard',
        tau=10.0,
        bottleneck_expansion=2,
        genotype=None),  # None: supernet
    head=dict(
        type='HeatmapHead',
        in_channels=sum(channels),
        out_channels=17,
        deconv_out_channels=None,
        final_layer=dict(kernel_size=3, padding=1),
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder={{_base_.codec}}),
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True))

custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(type='ArchTemperatureHook', tau_max=10.0, tau_min=1.0),
    dict(
        type='BranchControllerHook',
        reward_dataloader={{_base_.val_dataloader}},
        reward_evaluator=dict(type='CocoMetric', ann_file=None),
        reward_key='coco/AP',
        controller=dict(hidden_size=16),
        optimizer=dict(type='Adam', lr=3.5e-3),
        begin_epoch=0,
        num_updates=1,
        samples_per_update=2,
        num_derive_samples=2,
        entropy_samples=8),
    dict(
        type='ArchOptimizerHook',
        mode='first_order',
        arch_dataloader={{_base_.arch_dataloader}},
        optimizer=dict(
            type='Adam', lr=3e-3, betas=(0.5, 0.999), weight_decay=1e-3),
        begin_epoch=0),
    dict(type='GenotypeExportHook'),
]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=1),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=2))
