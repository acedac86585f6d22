# Heatmap + lifting at toy size on the 4 shipped Human3.6M sample frames:
# the 2D network of td-hm_res18-tiny_1xb9-8e_h36m-mpii-sample-64x64.py
# (16x16 heatmaps) -> soft-argmax -> the lifter of
# lift_simple-baseline-tiny_1xb4-20e_h36m-sample.py, as one
# HeatmapLiftingEstimator. Two uses:
# - joint: tools/train.py trains it end to end (L_3d + 0.01 L_2d);
# - separate: tools/test.py with the checkpoint merged from the two separately
#   trained networks (tools/analysis/combine_lifting_checkpoints.py).
_base_ = ['../../_base_/default_runtime.py']
train_cfg = dict(by_epoch=True, max_epochs=8, val_interval=8)
randomness = dict(seed=0)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))

codec = dict(
    type='MSRAHeatmap', input_size=(64, 64), heatmap_size=(16, 16), sigma=1)
stats_file = 'data/samples/h36m/lifting_stats.json'
lifting_codec = dict(
    type='NormalisedImagePoseLifting',
    num_keypoints=18,
    root_index=0,
    remove_root=True,
    stats_file=stats_file)
meta_keys = ('id', 'img_id', 'img_path', 'category_id', 'ori_shape',
             'img_shape', 'input_size', 'input_center', 'input_scale', 'flip',
             'flip_direction', 'flip_indices', 'dataset_name',
             'target_img_path', 'camera_param', 'root_cam', 'lifting_target',
             'lifting_target_visible')
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.0),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='RandomChannelColorScale', scale_range=(0.8, 1.2)),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs', meta_keys=meta_keys),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.0),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs', meta_keys=meta_keys),
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
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(**samples, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(**samples, test_mode=True, pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = [
    dict(type='RootRelativeMPJPE', mode='mpjpe', pred_space='camera',
         keypoint_indices=list(range(17))),
    dict(type='RootRelativeMPJPE', mode='pa-mpjpe', pred_space='camera',
         keypoint_indices=list(range(17))),
]
test_evaluator = val_evaluator

model = dict(
    type='HeatmapLiftingEstimator',
    lambda_2d=0.01,
    beta=30.,
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    pose2d=dict(
        type='TopdownPoseEstimator',
        backbone=dict(
            type='ResNet', depth=18, stem_channels=8, base_channels=8),
        head=dict(
            type='HeatmapHead',
            in_channels=64,
            out_channels=18,
            deconv_out_channels=(16, 16, 16),
            deconv_kernel_sizes=(4, 4, 4),
            loss=dict(type='KeypointMSELoss', use_target_weight=True),
            decoder=codec)),
    lifter=dict(
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
            decoder=lifting_codec)))
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=1),
    checkpoint=dict(type='CheckpointHook', interval=8, max_keep_ckpts=1))
