# Human3.6M Protocol 2 (train S1, S5, S6, S7, S8; test every 64th frame of
# S9, S11; MPJPE) mixed with MPII 2D data, 256x256 input, 18 joints (H36M +
# the MPII thorax), volumetric integral labels over +-1 m of depth.
#
# Files (MMPose's H36M preprocessing, tools/dataset_converters/
# preprocess_h36m.py, and MMPose's MPII layout):
#   data/h36m/annotation_body3d/fps10/h36m_train.npz  (--sample-rate 5)
#   data/h36m/annotation_body3d/fps50/h36m_test.npz   (--sample-rate 1: the
#       64-frame test subsampling is by original frame number, exact only
#       when the extraction step divides 64)
#   data/h36m/annotation_body3d/cameras.pkl, data/h36m/images/
#   data/mpii/annotations/mpii_train.json, data/mpii/images/
# Protocol 1: see h36m-p1_mpii_volumetric_256x256.py.
h36m_root = 'data/h36m/'
mpii_root = 'data/mpii/'
num_keypoints = 18
eval_keypoint_indices = list(range(17))  # drop the added thorax (17)

codec = dict(
    type='VolumetricIntegralLabel', input_size=(256, 256), depth_range=2000.)

# MPII (16) -> 18-joint layout; same as
# mmposenas.datasets.h36m_image_dataset.MPII_TO_H36M18
mpii_to_h36m18 = [(0, 3), (1, 2), (2, 1), (3, 4), (4, 5), (5, 6), (6, 0),
                  (7, 17), (8, 8), (9, 10), (10, 16), (11, 15), (12, 14),
                  (13, 11), (14, 12), (15, 13)]
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
    dict(
        type='RandomBBoxTransform',
        shift_prob=0.,
        scale_factor=(0.75, 1.25),
        rotate_factor=30.,
        rotate_prob=0.6),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PhotometricDistortion'),
    dict(type='RandomSyntheticOcclusion', prob=0.5),
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

h36m_train = dict(
    type='Human36mImageDataset',
    data_root=h36m_root,
    ann_file='annotation_body3d/fps10/h36m_train.npz',
    camera_param_file='annotation_body3d/cameras.pkl',
    data_prefix=dict(img='images/'),
    subjects=['S1', 'S5', 'S6', 'S7', 'S8'],
    pipeline=[])
mpii_train = dict(
    type='MpiiDataset',
    data_root=mpii_root,
    data_mode='topdown',
    ann_file='annotations/mpii_train.json',
    data_prefix=dict(img='images/'),
    pipeline=[
        dict(
            type='KeypointConverter',
            num_keypoints=num_keypoints,
            mapping=mpii_to_h36m18)
    ])

train_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    # every batch: half Human3.6M (3D), half MPII (2D); an epoch is one pass
    # over Human3.6M, MPII is cycled
    batch_sampler=dict(type='MixedRatioBatchSampler', ratios=[1, 1]),
    dataset=dict(
        type='CombinedDataset',
        metainfo=h36m18_metainfo,
        datasets=[h36m_train, mpii_train],
        pipeline=train_pipeline,
        test_mode=False))
val_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        type='Human36mImageDataset',
        data_root=h36m_root,
        ann_file='annotation_body3d/fps50/h36m_test.npz',
        camera_param_file='annotation_body3d/cameras.pkl',
        data_prefix=dict(img='images/'),
        subjects=['S9', 'S11'],
        frame_interval=64,
        test_mode=True,
        pipeline=val_pipeline))
test_dataloader = val_dataloader

val_evaluator = [
    dict(
        type='RootRelativeMPJPE',
        mode='mpjpe',
        keypoint_indices=eval_keypoint_indices),
    dict(
        type='RootRelativeMPJPE',
        mode='pa-mpjpe',
        keypoint_indices=eval_keypoint_indices),
]
test_evaluator = val_evaluator
