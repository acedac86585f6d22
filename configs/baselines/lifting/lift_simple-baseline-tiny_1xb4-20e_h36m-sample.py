# The lifter of lift_simple-baseline_1xb64-200e_h36m-p2.py at 1/16 width
# (64 channels) on the 4 shipped Human3.6M sample frames (train = test), with
# the statistics of those frames (data/samples/h36m/lifting_stats.json, from
#   python tools/analysis/compute_lifting_stats.py \
#       configs/baselines/lifting/lift_simple-baseline-tiny_1xb4-20e_h36m-sample.py \
#       --out data/samples/h36m/lifting_stats.json).
# Proves the chain; MPJPE of the lifter alone on ground-truth 2D.
_base_ = [
    '../../_base_/default_runtime.py', '../../_base_/datasets/h36m-p2_lifting.py'
]
train_cfg = dict(by_epoch=True, max_epochs=20, val_interval=20)
randomness = dict(seed=0)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))

stats_file = 'data/samples/h36m/lifting_stats.json'
lifting_codec = dict(
    type='NormalisedImagePoseLifting',
    num_keypoints=18,
    root_index=0,
    remove_root=True,
    stats_file=stats_file)
pipeline = [
    dict(type='GenerateTarget', encoder=lifting_codec),
    dict(type='PackPoseInputs', meta_keys={{_base_.meta_keys}}),
]
samples = dict(
    type='Human36mImageDataset',
    data_root='data/samples/h36m/',
    ann_file='test_h36m_body3d.npz',
    camera_param_file='cameras.pkl',
    data_prefix=dict(img=''))
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(_delete_=True, **samples, pipeline=pipeline))
val_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(_delete_=True, **samples, test_mode=True, pipeline=pipeline))
test_dataloader = val_dataloader

model = dict(
    type='PoseLifter',
    backbone=dict(
        type='TCN',
        in_channels=2 * 18,
        stem_channels=64,
        num_blocks=2,
        kernel_sizes=(1, 1, 1),
        dropout=0.1),
    head=dict(
        type='TemporalRegressionHead',
        in_channels=64,
        num_joints=17,
        loss=dict(type='MSELoss'),
        decoder=lifting_codec))
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=1),
    checkpoint=dict(type='CheckpointHook', interval=20, max_keep_ckpts=1))
