# PoseNFS, the model of PoseNFS Table II / IV (MPII, synchronous search):
# ImageNet MobileNetV2 feature blocks (P1..P4 = 24, 32, 96, 160 channels at
# 1/4 .. 1/32) shared by P=3 part-specific CNF subnetworks (L=6, last 3
# layers = 6 cells, C=10, H=1, ops zero/skip/sep3x3/dil3x3), vector in
# pixel d=8, 256x256 input. Adam 1e-3 for w, α and β, 200 epochs, x0.25 at
# 90/120/150; rotation ±45°, scale [0.7, 1.3], flip; flip test.
# Size (tools/analysis/get_flops.py): see docs/posenfs.md.
_base_ = ['../_base_/default_runtime.py']

train_cfg = dict(by_epoch=True, max_epochs=200, val_interval=10)
auto_scale_lr = dict(base_batch_size=24)

parts = 'mpii_p3'
codec = dict(
    type='MSRAHeatmap', input_size=(256, 256), heatmap_size=(64, 64), sigma=2)

optim_wrapper = dict(
    constructor='NASOptimWrapperConstructor',
    arch_params='include',
    optimizer=dict(type='Adam', lr=1e-3, weight_decay=0.),
    paramwise_cfg=dict(
        custom_keys={'arch_params': dict(lr_mult=1.0, decay_mult=0.0)}))
param_scheduler = [
    dict(
        type='MultiStepLR',
        by_epoch=True,
        milestones=[90, 120, 150],
        gamma=0.25)
]

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
            type='MobileNetV2',
            widen_factor=1.,
            out_indices=(1, 2, 4, 5),
            init_cfg=dict(type='Pretrained',
                          checkpoint='mmcls://mobilenet_v2')),
        adapter=dict(type='PyramidAdapter', in_channels=[24, 32, 96, 160]),
        parts=parts,
        channels=10,
        num_hidden=1,
        num_layers=6,
        subnet_layers=3,
        num_scales=4,
        op_set='posenfs_subnet',
        genotype=None),
    head=dict(
        type='VectorInPixelHead',
        in_channels=40,
        out_channels=16,
        parts=parts,
        vector_dim=8,
        mode='conv2d',
        merge='mean',
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder=codec),
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True))

dataset_type = 'MpiiDataset'
data_mode = 'topdown'
data_root = 'data/mpii/'

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(
        type='RandomBBoxTransform',
        shift_prob=0,
        rotate_factor=45,
        scale_factor=(0.7, 1.3)),
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
    batch_size=24,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        ann_file='annotations/mpii_train.json',
        data_prefix=dict(img='images/'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        ann_file='annotations/mpii_val.json',
        headbox_file='data/mpii/annotations/mpii_gt_val.mat',
        data_prefix=dict(img='images/'),
        test_mode=True,
        pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='MpiiPCKAccuracy')
test_evaluator = val_evaluator

custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(type='ArchOptimizerHook', mode='synchronous'),
    dict(type='GenotypeExportHook'),
]
default_hooks = dict(
    checkpoint=dict(save_best='PCK', rule='greater', max_keep_ckpts=3))
