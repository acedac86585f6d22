# The derived part-aware network at the seed's retraining size: N_c=10 (2
# normal, 5 reduction, 3 fusion cells), 64 depth bins (the final fusion cell
# emits 18 x 64 = 1152 channels at 64x64 for a 256x256 input: each node is
# the volumes of one part group; the other fusion cells 18 x 16 = 288 maps),
# Adam lr 1e-3,
# batch 64, 20 epochs, x0.1 at 12 and 16. The genotype (and with it the part
# groups) is passed with
#   --cfg-options model.backbone.genotype=work_dirs/<search>/genotype.json
# Configs using this base set model.head.decoder to their dataset codec and
# train_cfg = dict(max_epochs=20, val_interval=2).
genotype = 'work_dirs/vol-int_pa-nas-c10r5f3-search-so_1xb40-25e_h36m-128x128/genotype.json'  # noqa: E501

optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[12, 16], gamma=0.1)
]
model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='PartAwareNASBackbone',
        num_keypoints=18,
        depth_bins=64,
        groups=None,  # from the genotype
        num_cells=10,
        num_reductions=5,
        num_fusions=3,
        reduction_rule='darts',
        stem_channels=48,
        stem_stride=1,
        channels=16,
        num_nodes=4,
        fusion_channels=None,  # input nodes as wide as the widest group
        joint_channels=16,
        op_set='darts',
        genotype=genotype),
    head=dict(
        type='VolumetricIntegralHead',
        in_channels=18 * 64,
        num_keypoints=18,
        depth_bins=64),
    test_cfg=dict(flip_test=True))
