# The generated proxy figures (tools/dataset_converters/
# make_synthetic_figures.py, data/synthetic) as a monocular 3D task: 64x64
# crops, 18 joints (17 H36M + thorax), volumetric integral labels, MPJPE /
# PA-MPJPE on the 17 H36M joints. Weights train on subjects S1-S11 of the train
# file, a bilevel search's architecture split is S12-S13, and evaluation uses
# the held-out val file (S14, S15).
# No horizontal flip (training or test time): the figures colour their left
# and right limbs differently, so a flipped image contradicts its swapped
# labels (see docs/synthetic_figures.md).
data_root = 'data/synthetic/'
num_keypoints = 18
eval_keypoint_indices = list(range(17))

codec = dict(
    type='VolumetricIntegralLabel', input_size=(64, 64), depth_range=2000.)
h36m18_metainfo = dict(from_file='configs/_base_/datasets/h36m18.py')
meta_keys = ('id', 'img_id', 'img_path', 'category_id', 'ori_shape',
             'img_shape', 'input_size', 'input_center', 'input_scale', 'flip',
             'flip_direction', 'flip_indices', 'dataset_name',
             'target_img_path', 'camera_param', 'root_cam')

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.0),
    dict(type='AppendRootRelativeDepth'),
    dict(
        type='RandomBBoxTransform',
        shift_prob=0.,
        scale_factor=(0.85, 1.15),
        rotate_factor=30.,
        rotate_prob=0.5),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs', meta_keys=meta_keys),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.0),
    dict(type='AppendRootRelativeDepth'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs', meta_keys=meta_keys),
]

figures = dict(
    type='Human36mImageDataset',
    data_root=data_root,
    camera_param_file='annotation_body3d/cameras.pkl',
    data_prefix=dict(img='images/'),
    metainfo=h36m18_metainfo)

train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        figures,
        ann_file='annotation_body3d/synthetic_figures_train.npz',
        subjects=[f'S{i}' for i in range(1, 12)],
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=50,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        figures,
        ann_file='annotation_body3d/synthetic_figures_val.npz',
        test_mode=True,
        pipeline=val_pipeline))
test_dataloader = val_dataloader
# architecture split of a bilevel search: subjects S12, S13 of the train file
arch_dataloader = dict(
    batch_size=32,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        figures,
        ann_file='annotation_body3d/synthetic_figures_train.npz',
        subjects=['S12', 'S13'],
        pipeline=train_pipeline))

val_evaluator = [
    dict(type='RootRelativeMPJPE', mode='mpjpe',
         keypoint_indices=eval_keypoint_indices),
    dict(type='RootRelativeMPJPE', mode='pa-mpjpe',
         keypoint_indices=eval_keypoint_indices),
]
test_evaluator = val_evaluator
