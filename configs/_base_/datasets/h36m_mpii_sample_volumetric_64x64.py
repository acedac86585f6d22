# The shipped Human3.6M sample (4 frames of S1, S5, S7, S8; data/samples/h36m)
# mixed with the MPII sample (5 images; data/samples/mpii) as a tiny monocular
# 3D task at 64x64 input: 18 joints (H36M + the MPII thorax), volumetric
# integral labels, MPJPE / PA-MPJPE on the 17 H36M joints. It proves the
# pipeline end to end, not accuracy.
#
# The model must emit (B, 18 * D, H, W) volumes for VolumetricIntegralHead
# (depth_bins=D) and use `codec` as the head's decoder.
h36m_root = 'data/samples/h36m/'
mpii_root = 'data/samples/mpii/'
num_keypoints = 18
eval_keypoint_indices = list(range(17))  # drop the added thorax (17)

codec = dict(
    type='VolumetricIntegralLabel', input_size=(64, 64), depth_range=2000.)

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

# Order matters: the root-relative depth rides in keypoints[..., 2] from
# AppendRootRelativeDepth on, so RandomFlip (left/right swap, z kept),
# RandomBBoxTransform + TopdownAffine (in-plane rotation, z kept) keep the 3D
# label consistent; colour jitter and occlusion do not touch labels.
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

h36m_sample = dict(
    type='Human36mImageDataset',
    data_root=h36m_root,
    ann_file='test_h36m_body3d.npz',
    camera_param_file='cameras.pkl',
    data_prefix=dict(img=''),
    pipeline=[])
mpii_sample = dict(
    type='MpiiDataset',
    data_root=mpii_root,
    data_mode='topdown',
    ann_file='test_mpii.json',
    data_prefix=dict(img=''),
    pipeline=[
        dict(
            type='KeypointConverter',
            num_keypoints=num_keypoints,
            mapping=mpii_to_h36m18)
    ])

train_dataloader = dict(
    batch_size=9,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    # H36M (3D) : MPII (2D) = 1:1 per batch (5 + 4 of 9); an epoch is one
    # pass over the 4 H36M frames, so its single batch holds 4 + 3
    batch_sampler=dict(type='MixedRatioBatchSampler', ratios=[1, 1]),
    dataset=dict(
        type='CombinedDataset',
        metainfo=h36m18_metainfo,
        datasets=[h36m_sample, mpii_sample],
        pipeline=train_pipeline,
        test_mode=False))
val_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        type='Human36mImageDataset',
        data_root=h36m_root,
        ann_file='test_h36m_body3d.npz',
        camera_param_file='cameras.pkl',
        data_prefix=dict(img=''),
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
