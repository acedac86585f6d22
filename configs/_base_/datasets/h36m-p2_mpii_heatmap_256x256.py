# 2D heatmap training data for the heatmap + lifting baseline: Human3.6M
# Protocol 2 training subjects + MPII (1:1 per batch, MixedRatioBatchSampler),
# 18 joints, 256x256 crops, 64x64 Gaussian heatmaps (MSRAHeatmap, sigma 2),
# flip (joints swapped) and colour scaling. Validation: 2D end-point error
# (pixels) and PCK on every 64th frame of S9, S11.
_base_ = ['./h36m-p2_mpii_volumetric_256x256.py']

# (the inherited `codec` is the volumetric one; heatmap configs use this)
heatmap_codec = dict(
    type='MSRAHeatmap', input_size=(256, 256), heatmap_size=(64, 64), sigma=2)
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.0),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='TopdownAffine', input_size=heatmap_codec['input_size']),
    dict(type='RandomChannelColorScale', scale_range=(0.8, 1.2)),
    dict(type='GenerateTarget', encoder=heatmap_codec),
    dict(type='PackPoseInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.0),
    dict(type='TopdownAffine', input_size=heatmap_codec['input_size']),
    dict(type='PackPoseInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = [dict(type='EPE'), dict(type='PCKAccuracy', thr=0.05)]
test_evaluator = val_evaluator
