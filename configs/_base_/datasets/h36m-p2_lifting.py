# Human3.6M Protocol 2 ground-truth 2D -> 3D pairs for training the lifter
# alone (Martinez et al. 2017): no images are read. Inputs: the 18 image-space
# joints normalised with training-set statistics, targets: root-relative 3D
# joints (mm, root removed) normalised likewise (NormalisedImagePoseLifting;
# write the statistics once with
#   python tools/analysis/compute_lifting_stats.py CONFIG --out <stats_file>).
# Evaluation: MPJPE / PA-MPJPE (mm) of the lifter on ground-truth 2D, every
# 64th frame of S9, S11.
h36m_root = 'data/h36m/'
num_keypoints = 18
eval_keypoint_indices = list(range(17))
stats_file = 'data/h36m/annotation_body3d/lifting_stats_p2.json'

lifting_codec = dict(
    type='NormalisedImagePoseLifting',
    num_keypoints=num_keypoints,
    root_index=0,
    remove_root=True,
    stats_file=stats_file)
meta_keys = ('id', 'category_id', 'target_img_path', 'flip_indices',
             'target_root', 'target_mean', 'target_std')
pipeline = [
    dict(type='GenerateTarget', encoder=lifting_codec),
    dict(type='PackPoseInputs', meta_keys=meta_keys),
]
h36m_dataset = dict(
    type='Human36mImageDataset',
    data_root=h36m_root,
    camera_param_file='annotation_body3d/cameras.pkl',
    data_prefix=dict(img='images/'))
train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        h36m_dataset,
        ann_file='annotation_body3d/fps10/h36m_train.npz',
        subjects=['S1', 'S5', 'S6', 'S7', 'S8'],
        pipeline=pipeline))
val_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        h36m_dataset,
        ann_file='annotation_body3d/fps50/h36m_test.npz',
        subjects=['S9', 'S11'],
        frame_interval=64,
        test_mode=True,
        pipeline=pipeline))
test_dataloader = val_dataloader
val_evaluator = [
    dict(type='RootRelativeMPJPE', mode='mpjpe', pred_space='camera',
         keypoint_indices=eval_keypoint_indices),
    dict(type='RootRelativeMPJPE', mode='pa-mpjpe', pred_space='camera',
         keypoint_indices=eval_keypoint_indices),
]
test_evaluator = val_evaluator
