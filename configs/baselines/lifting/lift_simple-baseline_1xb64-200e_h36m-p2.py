# The lifter of the heatmap + lifting baseline (Martinez et al. 2017) trained
# alone on ground-truth 2D: MMPose PoseLifter with a TCN of kernel size 1 (a
# per-frame MLP: linear 2K -> 1024, two residual blocks of linear-BN-ReLU-
# dropout 0.5 twice, as MMPose's image-pose-lift config) and a
# TemporalRegressionHead to 3 (K - 1) joints (root removed); inputs and targets
# normalised with training-set statistics (write them first:
#   python tools/analysis/compute_lifting_stats.py \
#       configs/baselines/lifting/lift_simple-baseline_1xb64-200e_h36m-p2.py \
#       --out data/h36m/annotation_body3d/lifting_stats_p2.json).
# MSE on normalised coordinates, Adam 1e-3 decayed x0.96 every 100k steps,
# 200 epochs. Reports MPJPE / PA-MPJPE of the lifter alone on ground-truth 2D.
_base_ = [
    '../../_base_/default_runtime.py', '../../_base_/datasets/h36m-p2_lifting.py'
]
train_cfg = dict(by_epoch=True, max_epochs=200, val_interval=10)
randomness = dict(seed=0)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [
    dict(type='StepLR', step_size=100000, gamma=0.96, end=80, by_epoch=False)
]
auto_scale_lr = dict(base_batch_size=64)

model = dict(
    type='PoseLifter',
    backbone=dict(
        type='TCN',
        in_channels=2 * 18,
        stem_channels=1024,
        num_blocks=2,
        kernel_sizes=(1, 1, 1),
        dropout=0.5),
    head=dict(
        type='TemporalRegressionHead',
        in_channels=1024,
        num_joints=17,
        loss=dict(type='MSELoss'),
        decoder={{_base_.lifting_codec}}))
default_hooks = dict(
    checkpoint=dict(
        type='CheckpointHook', interval=10, max_keep_ckpts=1,
        save_best='MPJPE', rule='less'))
