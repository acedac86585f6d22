# AutoPose search on COCO at 256x192 (Gong et al. 2020, Sec. 4.2).
# Cell level: first-order DARTS with Gumbel-softmax (straight-through: one op
# per edge and forward) and one α for all individual cells, one for all
# aggregation cells; α: Adam, lr 3e-3. Network level: BranchControllerHook
# (LSTM policy, REINFORCE on the OKS AP of the supernet, Adam lr 3.5e-3;
# 10 updates of 2 samples after every epoch from epoch 5; best of 10 sampled
# branch masks at the end). 128 instances per iteration give about 1170
# iterations per epoch (paper: N_iter = 1100).
# Multi-GPU: inactive branches get no gradient, so DDP must be told
# (model_wrapper_cfg below); every rank runs the branches rank 0 sampled.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/datasets/coco_autopose_256x192.py'
]

train_cfg = dict(max_epochs=50, val_interval=10)
randomness = dict(seed=0)

optim_wrapper = dict(
    constructor='NASOptimWrapperConstructor',
    arch_params='exclude',  # α is stepped by ArchOptimizerHook only
    optimizer=dict(type='Adam', lr=1e-3, betas=(0.9, 0.99)))
param_scheduler = [
    dict(
        type='LinearLR', begin=0, end=500, start_factor=0.001,
        by_epoch=False),
]
model_wrapper_cfg = dict(
    type='MMDistributedDataParallel', find_unused_parameters=True)

model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='AutoPoseBackbone',
        stem_channels=64,
        channels=(16, 32, 64, 128),
        num_stages=3,
        modules_per_stage=2,
        branch_decisions='module',
        individual_nodes=4,
        aggregation_nodes=2,
        op_set='autopose',
        inactive_inputs='drop',
        sampling='gumbel_hard',
        tau=10.0,
        genotype=None),  # None: supernet
    head=dict(
        type='HeatmapHead',
        in_channels=16 + 32 + 64 + 128,
        out_channels=17,
        deconv_out_channels=None,
        final_layer=dict(kernel_size=3, padding=1),
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder={{_base_.codec}}),
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True))

custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(type='ArchTemperatureHook', tau_max=10.0, tau_min=0.1),
    dict(
        type='BranchControllerHook',
        reward_dataloader={{_base_.reward_dataloader}},
        reward_evaluator={{_base_.reward_evaluator}},
        reward_key='coco/AP',
        controller=dict(hidden_size=64),
        optimizer=dict(type='Adam', lr=3.5e-3),
        begin_epoch=5,
        num_updates=10,
        samples_per_update=2,
        baseline_decay=0.95,
        entropy_weight=1e-4,
        num_derive_samples=10),
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
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=3))
