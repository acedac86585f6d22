# AutoPose retraining recipe shared by the COCO and MPII retrain configs
# (paper Sec. 4.2): the derived network with the search's channels doubled
# (32, 64, 128, 256), 210 epochs, Adam lr 1e-3 (betas 0.9, 0.99) x0.1 at
# epochs 170 and 200, batch 128, flip test. Configs using this base add a
# dataset base and set model.head.out_channels and model.head.decoder to the
# dataset's joints and codec, and the checkpoint's save_best metric. Pass the
# genotype with
#   --cfg-options model.backbone.genotype=work_dirs/.../genotype.json
_base_ = ['../default_runtime.py']

genotype = 'work_dirs/td-hm_autopose-search_1xb128-50e_coco-256x192/genotype.json'  # noqa: E501

train_cfg = dict(max_epochs=210, val_interval=10)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3, betas=(0.9, 0.99)))
param_scheduler = [
    dict(
        type='LinearLR', begin=0, end=500, start_factor=0.001,
        by_epoch=False),
    dict(
        type='MultiStepLR',
        begin=0,
        end=210,
        milestones=[170, 200],
        gamma=0.1,
        by_epoch=True)
]
auto_scale_lr = dict(base_batch_size=128)

model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='AutoPoseBackbone',
        stem_channels=64,
        channels=(32, 64, 128, 256),  # doubled from the search
        num_stages=3,
        modules_per_stage=2,
        branch_decisions='module',
        individual_nodes=4,
        aggregation_nodes=2,
        op_set='autopose',
        inactive_inputs='drop',
        genotype=genotype),
    head=dict(
        type='HeatmapHead',
        in_channels=32 + 64 + 128 + 256,
        deconv_out_channels=None,
        final_layer=dict(kernel_size=3, padding=1),
        loss=dict(type='KeypointMSELoss', use_target_weight=True)),
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True))

custom_hooks = [dict(type='SyncBuffersHook')]
