# PoseNFS synchronous search on the synthetic-figures proxy dataset (2D,
# COCO-style 17 joints; docs/synthetic_figures.md), small enough to train on
# a CPU in minutes: MobileNetV2 x0.5 (16, 16, 48, 80 channels at 1/4..1/32)
# shared by P=3 part CNF subnetworks (C=4, H=1, 6 cells each, ops zero /
# skip / sep3x3 / dil3x3), vector in pixel d=4, 64x64 crops and 16x16
# score maps (DARK decoding). w, α and β are updated together by Adam
# (the paper's synchronous strategy). No flip (the figures' left limbs are
# warm-coloured, the right ones cool). Measured AP: docs/posenfs.md.
#
# Generate the data first (about 10-20 s on 2 cores):
#   python tools/dataset_converters/make_synthetic_figures.py \
#       --out data/synthetic --num 2000 --num-val 200 --seed 0
_base_ = ['../_base_/default_runtime.py']

train_cfg = dict(by_epoch=True, max_epochs=10, val_interval=5)
randomness = dict(seed=0)
auto_scale_lr = dict(base_batch_size=32)

parts = 'coco_p3'
optim_wrapper = dict(
    constructor='NASOptimWrapperConstructor',
    arch_params='include',  # synchronous: α/β step with the weights
    optimizer=dict(type='Adam', lr=2e-3, weight_decay=0.),
    paramwise_cfg=dict(
        custom_keys={'arch_params': dict(lr_mult=1.0, decay_mult=0.0)}))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=60, start_factor=0.01,
         by_epoch=False),
    dict(type='CosineAnnealingLR', begin=0, end=10, T_max=10, eta_min=1e-5,
         by_epoch=True)
]

codec = dict(
    type='MSRAHeatmap',
    input_size=(64, 64),
    heatmap_size=(16, 16),
    sigma=1.,
    unbiased=True,
    blur_kernel_size=5)

model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='PartFabricBackbone',
        backbone=dict(
            type='MobileNetV2', widen_factor=0.5, out_indices=(1, 2, 4, 5)),
        adapter=dict(type='PyramidAdapter', in_channels=[16, 16, 48, 80]),
        parts=parts,
        channels=4,
        num_hidden=1,
        num_layers=6,
        subnet_layers=3,
        num_scales=4,
        op_set='posenfs_subnet',
        genotype=None),
    head=dict(
        type='VectorInPixelHead',
        in_channels=16,
        out_channels=17,
        parts=parts,
        vector_dim=4,
        mode='conv2d',
        merge='mean',
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder=codec),
    test_cfg=dict(flip_test=False))

dataset_type = 'CocoDataset'
data_mode = 'topdown'
data_root = 'data/synthetic/'
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
    dict(type='PackPoseInputs')
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs')
]
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
        pipeline=train_pipeline))
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
        pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = [
    dict(
        type='CocoMetric',
        ann_file=data_root + 'annotations/person_keypoints_val.json'),
    dict(type='PCKAccuracy', thr=0.05),
]
test_evaluator = val_evaluator

custom_hooks = [
    dict(type='ArchOptimizerHook', mode='synchronous'),
    dict(type='GenotypeExportHook'),
]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20),
    checkpoint=dict(
        type='CheckpointHook', interval=5, save_best='coco/AP',
        rule='greater', max_keep_ckpts=1))
