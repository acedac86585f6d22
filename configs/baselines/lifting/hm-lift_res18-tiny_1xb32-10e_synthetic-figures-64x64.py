# Heatmap + lifting at toy size on the proxy figures (S1-S11 of the train
# file; val file): joint training with tools/train.py (L_3d + 0.01 L_2d), or
# tools/test.py on the merged checkpoint of
# td-hm_res18-tiny_1xb32-10e_synthetic-figures-64x64.py and
# lift_simple-baseline-tiny_1xb64-30e_synthetic-figures.py (separate mode).
# Statistics: see lift_simple-baseline-tiny_1xb64-30e_synthetic-figures.py.
_base_ = ['./hm-lift_res18-tiny_1xb4-8e_h36m-sample-64x64.py']
train_cfg = dict(by_epoch=True, max_epochs=10, val_interval=5)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=2e-3))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[8], gamma=0.1)
]
stats_file = 'data/synthetic/annotation_body3d/lifting_stats.json'
lifting_codec = dict(
    type='NormalisedImagePoseLifting',
    num_keypoints=18,
    root_index=0,
    remove_root=True,
    stats_file=stats_file)
figures = dict(
    type='Human36mImageDataset',
    data_root='data/synthetic/',
    camera_param_file='annotation_body3d/cameras.pkl',
    data_prefix=dict(img='images/'),
    metainfo=dict(from_file='configs/_base_/datasets/h36m18.py'))
train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    dataset=dict(
        _delete_=True,
        **figures,
        ann_file='annotation_body3d/synthetic_figures_train.npz',
        subjects=[f'S{i}' for i in range(1, 12)],
        pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(
    batch_size=50,
    num_workers=2,
    persistent_workers=True,
    dataset=dict(
        _delete_=True,
        **figures,
        ann_file='annotation_body3d/synthetic_figures_val.npz',
        test_mode=True,
        pipeline={{_base_.val_pipeline}}))
test_dataloader = val_dataloader
model = dict(lifter=dict(head=dict(decoder=lifting_codec)))
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20),
    checkpoint=dict(
        type='CheckpointHook', interval=5, max_keep_ckpts=1,
        save_best='MPJPE', rule='less'))
