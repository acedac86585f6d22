# Protocol 1 (train S1, S5-S9 + MPII at 1:1 per batch, test every 64th frame
# of S11, PA-MPJPE) with the integral-regression augmentation of
# h36m-p2_mpii_integral-aug_256x256.py. The split below repeats
# h36m-p1_mpii_volumetric_256x256.py (MMEngine refuses two bases that both
# set train_dataloader); keep the two in step.
_base_ = ['./h36m-p2_mpii_integral-aug_256x256.py']

h36m_train_s9 = dict(
    type='Human36mImageDataset',
    data_root='data/h36m/',
    ann_file='annotation_body3d/fps10/h36m_test.npz',
    camera_param_file='annotation_body3d/cameras.pkl',
    data_prefix=dict(img='images/'),
    subjects=['S9'],  # S9 is in MMPose's test split file
    pipeline=[])
h36m_p1_train = dict(
    type='CombinedDataset',
    metainfo={{_base_.h36m18_metainfo}},
    datasets=[{{_base_.h36m_train}}, h36m_train_s9],
    pipeline=[])
train_dataloader = dict(
    dataset=dict(datasets=[h36m_p1_train, {{_base_.mpii_train}}]))
val_dataloader = dict(dataset=dict(subjects=['S11']))
test_dataloader = val_dataloader
val_evaluator = [
    dict(
        type='RootRelativeMPJPE',
        mode='pa-mpjpe',
        keypoint_indices=list(range(17))),
    dict(
        type='RootRelativeMPJPE',
        mode='mpjpe',
        keypoint_indices=list(range(17))),
]
test_evaluator = val_evaluator
