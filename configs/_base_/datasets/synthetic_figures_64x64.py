# The generated proxy figures (data/synthetic, docs/synthetic_figures.md) as a
# top-down 2D COCO heatmap task at 64x64 input with 32x32 heatmaps (the codec
# of the ResNet baseline in configs/baselines/synthetic), ground-truth boxes.
# Splits by subject: weights on S1-S11 (the first 1760 train images, 160 per
# subject), α on S12-S13 (the last 240), val/test on S14-S15 (200 images).
#   python tools/dataset_converters/make_synthetic_figures.py \
#       --out data/synthetic --num 2000 --num-val 200 --seed 0
data_root = 'data/synthetic/'
dataset_type = 'CocoDataset'
data_mode = 'topdown'
num_weight_images = 1760  # S1-S11
num_train_images = 2000

# unbiased (DARK) encoding/decoding: the joints are small
codec = dict(
    type='MSRAHeatmap',
    input_size=(64, 64),
    heatmap_size=(32, 32),
    sigma=1.5,
    unbiased=True,
    blur_kernel_size=7)

# No flip: the figures' left limbs are warm and the right ones cool, so a
# mirrored figure would carry the wrong side colour
# (docs/synthetic_figures.md).
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(
        type='RandomBBoxTransform',
        shift_factor=0.08,
        scale_factor=(0.85, 1.15),
        rotate_factor=20.),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs'),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        ann_file='annotations/person_keypoints_train.json',
        data_prefix=dict(img='images/'),
        indices=num_weight_images,
        pipeline=train_pipeline,
    ))
val_dataloader = dict(
    batch_size=50,
    num_workers=1,
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
# α split of a bilevel search (ArchOptimizerHook): subjects S12-S13, training
# pipeline (it needs targets).
arch_dataloader = dict(
    batch_size=32,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        ann_file='annotations/person_keypoints_train.json',
        data_prefix=dict(img='images/'),
        indices=list(range(num_weight_images, num_train_images)),
        pipeline=train_pipeline,
    ))

val_evaluator = dict(
    type='CocoMetric',
    ann_file=data_root + 'annotations/person_keypoints_val.json')
test_evaluator = val_evaluator
# Reward split of a network-level search (BranchControllerHook): the first
# 100 val images (subject S14); CocoMetric without ann_file builds its ground
# truth from these samples, so the subset is scored on its own.
reward_dataloader = dict(
    batch_size=50,
    num_workers=0,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        ann_file='annotations/person_keypoints_val.json',
        data_prefix=dict(img='images/'),
        indices=100,
        test_mode=True,
        pipeline=val_pipeline,
    ))
reward_evaluator = dict(type='CocoMetric', ann_file=None)
