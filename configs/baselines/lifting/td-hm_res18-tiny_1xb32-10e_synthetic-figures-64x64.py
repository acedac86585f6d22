# The tiny 2D heatmap network of the heatmap + lifting chain (ResNet-18 at
# 1/8 width, 16x16 heatmaps of 18 joints) on the proxy figures (S1-S11 of the
# train file; val file), colour scaling, no flip (the figures colour left and
# right limbs differently). Its architecture is the pose2d of
# hm-lift_res18-tiny_1xb32-10e_synthetic-figures-64x64.py.
_base_ = ['./td-hm_res18-tiny_1xb9-8e_h36m-mpii-sample-64x64.py']
train_cfg = dict(by_epoch=True, max_epochs=10, val_interval=5)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=2e-3))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[8], gamma=0.1)
]
heatmap_codec = dict(
    type='MSRAHeatmap', input_size=(64, 64), heatmap_size=(16, 16), sigma=1)
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.0),
    dict(type='TopdownAffine', input_size=heatmap_codec['input_size']),
    dict(type='RandomChannelColorScale', scale_range=(0.8, 1.2)),
    dict(type='GenerateTarget', encoder=heatmap_codec),
    dict(type='PackPoseInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.0),
    dict(type='TopdownAffine', input_size=heatmap_codec['input_size']),
    dict(type='PackPoseInputs'),
]
figures = dict(
    type='Human36mImageDataset',
    data_root='data/synthetic/',
    camera_param_file='annotation_body3d/cameras.pkl',
    data_prefix=dict(img='images/'),
    metainfo=dict(from_file='configs/_base_/datasets/h36m18.py'))
train_dataloader = dict(
    _delete_=True,
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        **figures,
        ann_file='annotation_body3d/synthetic_figures_train.npz',
        subjects=[f'S{i}' for i in range(1, 12)],
        pipeline=train_pipeline))
val_dataloader = dict(
    _delete_=True,
    batch_size=50,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        **figures,
        ann_file='annotation_body3d/synthetic_figures_val.npz',
        test_mode=True,
        pipeline=val_pipeline))
test_dataloader = val_dataloader
model = dict(test_cfg=dict(flip_test=False))
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20),
    checkpoint=dict(type='CheckpointHook', interval=5, max_keep_ckpts=1))
