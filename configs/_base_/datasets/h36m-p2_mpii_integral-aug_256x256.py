# Protocol 2 (h36m-p2_mpii_volumetric_256x256.py: train S1, S5, S6, S7, S8 +
# MPII at 1:1 per batch, test every 64th frame of S9, S11, MPJPE) with the
# augmentation of the integral-regression baseline (Sun et al. 2018, and the
# seed report on it): horizontal flip (p 0.5, joints swapped, root-relative
# depth kept: AppendRootRelativeDepth + RandomFlip), per-channel colour
# scaling in [0.8, 1.2], synthetic occlusion on 75% of the crops with 1-8
# occluders (Pascal VOC cut-outs scaled 0.2-1.0 when `occluder_dir` is set,
# else random textured polygons). Zoom / rotation (RandomBBoxTransform) is in
# the pipeline but off (probabilities 0).
#
# VOC occluders: extract them once with
#   python tools/dataset_converters/extract_voc_occluders.py \
#       data/VOCdevkit/VOC2012 --out data/voc_occluders
# and pass
#   --cfg-options train_dataloader.dataset.pipeline.7.occluder_dir=data/voc_occluders
_base_ = ['./h36m-p2_mpii_volumetric_256x256.py']

codec = dict(
    type='VolumetricIntegralLabel', input_size=(256, 256), depth_range=2000.)  # as the base's
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.0),
    dict(type='AppendRootRelativeDepth'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(
        type='RandomBBoxTransform',
        shift_prob=0.,
        scale_prob=0.,  # zoom: e.g. 1.0 with scale_factor (0.75, 1.25)
        scale_factor=(0.75, 1.25),
        rotate_prob=0.,  # rotation: e.g. 0.6 with rotate_factor 30
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
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
