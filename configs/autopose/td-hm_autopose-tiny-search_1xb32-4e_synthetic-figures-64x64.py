# The whole AutoPose search on the generated proxy figures (data/synthetic,
# docs/synthetic_figures.md) at 64x64, in CPU minutes: a small supernet
# (8-16 channels, 3 stages x 2 modules, 4 branches), first-order Gumbel cell
# search from epoch 0 (α on subjects S12-S13), and the branch controller from
# the end of epoch 2 (begin_epoch=1; 3 updates of 2 samples per epoch,
# rewarded by CocoMetric AP on 100 val images; best of 4 sampled masks at the
# end). Proxy-only head: one 2x deconvolution before the final conv gives
# 32x32 heatmaps (the paper's head maps the 4x concatenation straight to
# heatmaps; at 64x64 inputs 16x16 heatmaps cannot resolve the figures'
# small joints: AP 0.0001 after 10 retraining epochs). Generate the data
# first:
#   python tools/dataset_converters/make_synthetic_figures.py \
#       --out data/synthetic --num 2000 --num-val 200 --seed 0
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/datasets/synthetic_figures_64x64.py'
]

train_cfg = dict(max_epochs=4, val_interval=4)
randomness = dict(seed=0)

optim_wrapper = dict(
    constructor='NASOptimWrapperConstructor',
    arch_params='exclude',  # α is stepped by ArchOptimizerHook only
    optimizer=dict(type='Adam', lr=1e-3, betas=(0.9, 0.99)))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=20, start_factor=0.05,
         by_epoch=False),  # warm-up
]
model_wrapper_cfg = dict(
    type='MMDistributedDataParallel', find_unused_parameters=True)

channels = (8, 8, 16, 16)
model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='AutoPoseBackbone',
        stem_channels=16,
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
        deconv_out_channels=(32, ),  # proxy only: 16x16 -> 32x32
        deconv_kernel_sizes=(4, ),
        final_layer=dict(kernel_size=3, padding=1),
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder={{_base_.codec}}),
    test_cfg=dict(flip_test=False))  # left/right are coloured differently

custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(type='ArchTemperatureHook', tau_max=10.0, tau_min=1.0),
    dict(
        type='BranchControllerHook',
        reward_dataloader={{_base_.reward_dataloader}},
        reward_evaluator={{_base_.reward_evaluator}},
        reward_key='coco/AP',
        controller=dict(hidden_size=16),
        optimizer=dict(type='Adam', lr=3.5e-3),
        begin_epoch=1,
        num_updates=3,
        samples_per_update=2,
        num_derive_samples=4,
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
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=1))
