# Architecture search split of the part-aware 3D NAS (seed 000): network
# weights train on S1, S5, S6, the architecture parameters on S7, S8, both at
# 128x128 input; validation on every 64th frame of S9, S11 (Protocol 2).
# Files: see h36m-p2_mpii_volumetric_256x256.py.
h36m_root = 'data/h36m/'
num_keypoints = 18
eval_keypoint_indices = list(range(17))

codec = dict(
    type='VolumetricIntegralLabel', input_size=(128, 128), depth_range=2000.)
h36m18_metainfo = dict(from_file='configs/_base_/datasets/h36m18.py')
meta_keys = ('id', 'img_id', 'img_path', 'category_id', 'ori_shape',
             'img_shape', 'input_size', 'input_center', 'input_scale', 'flip',
             'flip_direction', 'flip_indices', 'dataset_name',
             'target_img_path', 'camera_param', 'root_cam')

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.0),
    dict(type='AppendRootRelativeDepth'),
    dict(type='RandomFlip', direction='horizontal'),
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


h36m_dataset = dict(
    type='Human36mImageDataset',
    data_root=h36m_root,
    ann_file='annotation_body3d/fps10/h36m_train.npz',
    camera_param_file='annotation_body3d/cameras.pkl',
    data_prefix=dict(img='images/'),
    metainfo=h36m18_metainfo)

train_dataloader = dict(
    batch_size=40,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        **h36m_dataset, subjects=['S1', 'S5', 'S6'], pipeline=train_pipeline))
arch_dataloader = dict(
    batch_size=40,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        **h36m_dataset, subjects=['S7', 'S8'], pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=40,
    num_workers=4,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        h36m_dataset,
        ann_file='annotation_body3d/fps50/h36m_test.npz',
        subjects=['S9', 'S11'],
        frame_interval=64,
        test_mode=True,
        pipeline=val_pipeline))
test_dataloader = val_dataloader

val_evaluator = [
    dict(type='RootRelativeMPJPE', mode='mpjpe',
         keypoint_indices=eval_keypoint_indices),
    dict(type='RootRelativeMPJPE', mode='pa-mpjpe',
         keypoint_indices=eval_keypoint_indices),
]
test_evaluator = val_evaluator
