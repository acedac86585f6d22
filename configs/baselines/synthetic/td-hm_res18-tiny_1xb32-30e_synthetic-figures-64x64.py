# Top-down heatmap baseline on the synthetic-figures proxy dataset, plain
# MMPose components only (no mmposenas imports): a ResNet-18 at quarter width
# (16 base channels) cut after stage 3 (stride 16, 0.24 M parameters) and a
# 3-deconv heatmap head, trained from scratch on 64x64 crops. On 2 CPU cores
# it goes from COCO AP 0.00 to 0.361 in ~6 minutes (30 x 63 iterations);
# measured numbers are in docs/synthetic_figures.md. On a 2-core machine run it
# with OMP_NUM_THREADS=1 (PyTorch's 2 threads next to 2 data workers: ~4x
# slower).
#
# Generate the data first (about 10-20 s on 2 cores):
#   python tools/dataset_converters/make_synthetic_figures.py \
#       --out data/synthetic --num 2000 --num-val 200 --seed 0
_base_ = ['mmpose::_base_/default_runtime.py']

# runtime
train_cfg = dict(by_epoch=True, max_epochs=30, val_interval=5)
randomness = dict(seed=0)

# optimizer
optim_wrapper = dict(optimizer=dict(type='Adam', lr=2e-3))

# learning policy
param_scheduler = [
    dict(type='LinearLR', begin=0, end=60, start_factor=0.01,
         by_epoch=False),  # warm-up
    dict(type='CosineAnnealingLR', begin=0, end=30, T_max=30, eta_min=1e-5,
         by_epoch=True)
]

# automatically scaling LR based on the actual training batch size
auto_scale_lr = dict(base_batch_size=32)

# hooks
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20),
    checkpoint=dict(
        type='CheckpointHook', interval=10, save_best='coco/AP',
        rule='greater', max_keep_ckpts=1))

# codec settings (unbiased = DARK encoding/decoding: the gaussian sits at the
# exact sub-pixel location, which matters at 32x32 heatmaps)
codec = dict(
    type='MSRAHeatmap',
    input_size=(64, 64),
    heatmap_size=(32, 32),
    sigma=1.5,
    unbiased=True,
    blur_kernel_size=7)

# model settings
model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='ResNet',
        depth=18,
        stem_channels=16,
        base_channels=16,
        num_stages=3,
        strides=(1, 2, 2),
        dilations=(1, 1, 1),
        out_indices=(2, ),
    ),
    head=dict(
        type='HeatmapHead',
        in_channels=64,
        out_channels=17,
        deconv_out_channels=(32, 32, 32),
        deconv_kernel_sizes=(4, 4, 4),
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder=codec),
    # no flip test (see the note at the pipelines)
    test_cfg=dict(flip_test=False))

# base dataset settings
dataset_type = 'CocoDataset'
data_mode = 'topdown'
data_root = 'data/synthetic/'

# pipelines
# No RandomFlip: the figures' left limbs are warm-coloured and the right ones
# cool; a mirrored figure would carry its warm colour on its right side, so
# flipping (and flip test) would turn the side colour into noise.
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    # mild box jitter: a few CPU minutes of training cannot absorb MMPose's
    # default 0.5-1.5x scale jitter
    dict(
        type='RandomBBoxTransform',
        shift_factor=0.08,
        scale_factor=(0.85, 1.15),
        rotate_factor=20.),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs')
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs')
]

# data loaders
train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        ann_file='annotations/person_keypoints_train.json',
        data_prefix=dict(img='images/'),
        pipeline=train_pipeline,
    ))
val_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        ann_file='annotations/person_keypoints_val.json',
        data_prefix=dict(img='images/'),
        test_mode=True,
        pipeline=val_pipeline,
    ))
test_dataloader = val_dataloader

# evaluators (ground-truth boxes: the val file has one figure per image)
val_evaluator = [
    dict(
        type='CocoMetric',
        ann_file=data_root + 'annotations/person_keypoints_val.json'),
    dict(type='PCKAccuracy', thr=0.05),
]
test_evaluator = val_evaluator
