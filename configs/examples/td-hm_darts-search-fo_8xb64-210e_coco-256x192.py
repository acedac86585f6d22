# Using mmposenas from another MMPose project: inherit MMPose's own COCO
# top-down config (``mmpose::`` = the configs shipped inside the installed
# mmpose package), import the plugin with ``custom_imports`` and replace the
# ResNet-50 by a DARTS-cell supernet searched first-order. Everything else
# (COCO data in data/coco, pipelines, codec, CocoMetric, schedule) is MMPose's.
_base_ = [
    'mmpose::body_2d_keypoint/topdown_heatmap/coco/'
    'td-hm_res50_8xb64-210e_coco-256x192.py'
]
custom_imports = dict(imports=['mmposenas'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,
        type='DartsCellBackbone',
        stem_channels=32,
        stem_stride=2,
        channels=16,
        num_cells=8,
        reduction_cells=(2, 5),  # output stride 8, 4 * 64 = 256 channels
        num_nodes=4,
        op_set='darts',
        genotype=None),  # None: supernet; a genotype file: fixed network
    head=dict(
        in_channels=256,
        deconv_out_channels=(128, ),  # stride 8 -> 4 (64x48 heatmaps)
        deconv_kernel_sizes=(4, )))

optim_wrapper = dict(
    constructor='NASOptimWrapperConstructor',
    arch_params='exclude',  # α is stepped by ArchOptimizerHook only
    optimizer=dict(type='Adam', lr=5e-4))
custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(
        type='ArchOptimizerHook',
        mode='first_order',
        arch_dataloader={{_base_.train_dataloader}},
        optimizer=dict(
            type='Adam', lr=3e-4, betas=(0.5, 0.999), weight_decay=1e-3),
        begin_epoch=10),
    dict(type='GenotypeExportHook', draw_interval=10),
]
