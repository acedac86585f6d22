# Retrain the searched backbone-only network (fixed DartsCellBackbone from the
# genotype of vol-int_darts-c7r5-search-fo_1xb40-25e_h36m-128x128.py + the
# integral deconv head, 18 x 64 depth bins) at the part-aware retraining
# settings: Human3.6M P2 + MPII (1:1 per batch), Adam 1e-3, batch 64, 20
# epochs, x0.1 at 12 and 16.
#   --cfg-options model.backbone.genotype=work_dirs/<search>/genotype.json
_base_ = [
    '../../_base_/default_runtime.py',
    '../../_base_/datasets/h36m-p2_mpii_volumetric_256x256.py'
]
genotype = 'work_dirs/vol-int_darts-c7r5-search-fo_1xb40-25e_h36m-128x128/genotype.json'  # noqa: E501
train_cfg = dict(max_epochs=20, val_interval=2)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[12, 16], gamma=0.1)
]
train_dataloader = dict(batch_size=64)
model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='DartsCellBackbone',
        stem_channels=48,
        stem_stride=1,
        channels=16,
        num_cells=7,
        reduction_cells=(1, 2, 3, 4, 5),
        num_nodes=4,
        op_set='darts',
        genotype=genotype),
    head=dict(
        type='VolumetricIntegralHead',
        in_channels=2048,
        num_keypoints=18,
        depth_bins=64,
        deconv_out_channels=(256, 256, 256),
        deconv_kernel_sizes=(4, 4, 4),
        final_layer=dict(kernel_size=1),
        decoder={{_base_.codec}}),
    test_cfg=dict(flip_test=True))
default_hooks = dict(
    checkpoint=dict(
        type='CheckpointHook', interval=1, max_keep_ckpts=3,
        save_best='MPJPE', rule='less'))
