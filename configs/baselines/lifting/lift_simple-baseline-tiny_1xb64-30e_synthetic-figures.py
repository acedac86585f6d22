# The tiny lifter (64 channels) on the generated proxy figures: ground-truth
# 2D -> 3D, trained on subjects S1-S11 of the train file, evaluated on the
# val file. Statistics first:
#   python tools/analysis/compute_lifting_stats.py \
#       configs/baselines/lifting/lift_simple-baseline-tiny_1xb64-30e_synthetic-figures.py \
#       --out data/synthetic/annotation_body3d/lifting_stats.json
_base_ = ['./lift_simple-baseline-tiny_1xb4-20e_h36m-sample.py']
train_cfg = dict(by_epoch=True, max_epochs=30, val_interval=10)
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[20], gamma=0.1)
]
stats_file = 'data/synthetic/annotation_body3d/lifting_stats.json'
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
figures = dict(
    type='Human36mImageDataset',
    data_root='data/synthetic/',
    camera_param_file='annotation_body3d/cameras.pkl',
    data_prefix=dict(img='images/'),
    metainfo=dict(from_file='configs/_base_/datasets/h36m18.py'))
train_dataloader = dict(
    batch_size=64,
    dataset=dict(
        _delete_=True,
        **figures,
        ann_file='annotation_body3d/synthetic_figures_train.npz',
        subjects=[f'S{i}' for i in range(1, 12)],
        pipeline=pipeline))
val_dataloader = dict(
    batch_size=100,
    dataset=dict(
        _delete_=True,
        **figures,
        ann_file='annotation_body3d/synthetic_figures_val.npz',
        test_mode=True,
        pipeline=pipeline))
test_dataloader = val_dataloader
model = dict(head=dict(decoder=lifting_codec))
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20),
    checkpoint=dict(type='CheckpointHook', interval=10, max_keep_ckpts=1))
