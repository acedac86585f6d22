# h36m-p2_mpii_integral-aug_256x256.py at 288 (w) x 384 (h) input, the crop
# size of the seed report's final model. GetBBoxCenterScale/TopdownAffine
# widen the square H36M box to the 3:4 aspect ratio.
_base_ = ['./h36m-p2_mpii_integral-aug_256x256.py']

codec = dict(
    type='VolumetricIntegralLabel', input_size=(288, 384), depth_range=2000.)
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.0),
    dict(type='AppendRootRelativeDepth'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(
        type='RandomBBoxTransform',
        shift_prob=0.,
        scale_prob=0.,
        scale_factor=(0.75, 1.25),
        rotate_prob=0.,
        rotate_factor=30.),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='RandomChannelColorScale', scale_range=(0.8, 1.2)),
    dict(
        type='RandomSyntheticOcclusion',  # index 7
        prob=0.75,
        min_occluders=1,
        max_occluders=8,
        occluder_dir=None,
        scale_range=(0.2, 1.0),
        shapes=('polygon', ),
        fill='texture',
        area_range=(0.01, 0.1)),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs', meta_keys={{_base_.meta_keys}}),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.0),
    dict(type='AppendRootRelativeDepth'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs', meta_keys={{_base_.meta_keys}}),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
