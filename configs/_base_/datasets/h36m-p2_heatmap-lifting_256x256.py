# Human3.6M Protocol 2 images for the heatmap + lifting baseline run end to
# end (HeatmapLiftingEstimator): train S1, S5, S6, S7, S8, test every 64th
# frame of S9, S11; 18 joints, 256x256 crops, 64x64 heatmap targets for the
# 2D loss, the root-relative 3D joints packed as metainfo for the 3D loss and
# the metric (RootRelativeMPJPE on camera-space predictions, 17 joints).
# No flip or rotation: MMPose's transforms move the 2D joints only, and the
# lifter reads image-space 2D joints, whose 3D counterpart would have to be
# mirrored too.
h36m_root = 'data/h36m/'
num_keypoints = 18
eval_keypoint_indices = list(range(17))

codec = dict(
    type='MSRAHeatmap', input_size=(256, 256), heatmap_size=(64, 64), sigma=2)
meta_keys = ('id', 'img_id', 'img_path', 'category_id', 'ori_shape',
             'img_shape', 'input_size', 'input_center', 'input_scale', 'flip',
             'flip_direction', 'flip_indices', 'dataset_name',
             'target_img_path', 'camera_param', 'root_cam', 'lifting_target',
             'lifting_target_visible')
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.0),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='RandomChannelColorScale', scale_range=(0.8, 1.2)),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs', meta_keys=meta_keys),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.0),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs', meta_keys=meta_keys),
]
h36m_dataset = dict(
    type='Human36mImageDataset',
    data_root=h36m_root,
    camera_param_file='annotation_body3d/cameras.pkl',
    data_prefix=dict(img='images/'))
train_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        h36m_dataset,
        ann_file='annotation_body3d/fps10/h36m_train.npz',
        subjects=['S1', 'S5', 'S6', 'S7', 'S8'],
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
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
    dict(type='RootRelativeMPJPE', mode='mpjpe', pred_space='camera',
         keypoint_indices=eval_keypoint_indices),
    dict(type='RootRelativeMPJPE', mode='pa-mpjpe', pred_space='camera',
         keypoint_indices=eval_keypoint_indices),
]
test_evaluator = val_evaluator
