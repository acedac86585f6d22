# A tiny randomly initialised MMDetection FCOS (ResNet-18 layout with 8 base
# channels, one class) for the demo tests: every score is near the focal-loss
# prior, so the tests run it with --bbox-thr 0 and keep 4 boxes per image.
default_scope = 'mmdet'
model = dict(
    type='FCOS',
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=32),
    backbone=dict(
        type='ResNet',
        depth=18,
        base_channels=8,
        num_stages=4,
        out_indices=(1, 2, 3),
        frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False,
        style='pytorch'),
    neck=dict(
        type='FPN',
        in_channels=[16, 32, 64],
        out_channels=16,
        start_level=0,
        add_extra_convs='on_output',
        num_outs=3,
        relu_before_extra_convs=True),
    bbox_head=dict(
        type='FCOSHead',
        num_classes=1,
        in_channels=16,
        stacked_convs=1,
        feat_channels=16,
        strides=[8, 16, 32],
        norm_cfg=None),
    test_cfg=dict(
        nms_pre=50,
        min_bbox_size=0,
        score_thr=0.0,
        nms=dict(type='nms', iou_threshold=0.5),
        max_per_img=4))
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(160, 160), keep_ratio=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor')),
]
test_dataloader = dict(
    dataset=dict(
        type='CocoDataset',
        data_root='',
        ann_file='',
        metainfo=dict(classes=('person', ), palette=[(220, 20, 60)]),
        pipeline=test_pipeline))
