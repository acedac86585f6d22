# The shipped COCO sample (4 images, 14 people; data/samples/coco) as a tiny
# top-down 2D heatmap task at 64x48 input. Train, val and test all read it: it
# proves the pipeline end to end, not accuracy.
data_root = 'data/samples/coco/'
dataset_type = 'CocoDataset'
data_mode = 'topdown'

codec = dict(
    type='MSRAHeatmap', input_size=(48, 64), heatmap_size=(12, 16), sigma=2)

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomBBoxTransform'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs'),
]

train_dataloader = dict(
    batch_size=7,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        ann_file='test_coco.json',
        data_prefix=dict(img=''),
        pipeline=train_pipeline,
    ))
val_dataloader = dict(
    batch_size=7,
    num_workers=0,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        ann_file='test_coco.json',
        data_prefix=dict(img=''),
        test_mode=True,
        pipeline=val_pipeline,
    ))
test_dataloader = val_dataloader
# The architecture split of a bilevel search (ArchOptimizerHook): it needs
# training targets, so it uses the training pipeline. On the 4-image sample it
# reads the same images as the weight split.
arch_dataloader = dict(
    batch_size=7,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        ann_file='test_coco.json',
        data_prefix=dict(img=''),
        pipeline=train_pipeline,
    ))

val_evaluator = dict(type='CocoMetric', ann_file=data_root + 'test_coco.json')
test_evaluator = val_evaluator
