# Heatmap + lifting, separate mode, at test time: the 2D network
# (td-hm_res50_1xb32-70e_h36m-p2-mpii-256x256.py) and the lifter trained on
# ground-truth 2D (lift_simple-baseline_1xb64-200e_h36m-p2.py) chained on
# images by HeatmapLiftingEstimator (2D joints from the heatmaps by
# soft-argmax, normalised with the lifter's statistics, lifted). Merge the two
# checkpoints and test:
#   python tools/analysis/combine_lifting_checkpoints.py \
#       work_dirs/td-hm_res50_1xb32-70e_h36m-p2-mpii-256x256/best_EPE_*.pth \
#       work_dirs/lift_simple-baseline_1xb64-200e_h36m-p2/best_MPJPE_*.pth \
#       --out work_dirs/hm-lift_separate.pth
#   python tools/test.py configs/baselines/lifting/hm-lift_res50-separate_h36m-p2-256x256.py \
#       work_dirs/hm-lift_separate.pth
_base_ = [
    '../../_base_/default_runtime.py',
    '../../_base_/datasets/h36m-p2_heatmap-lifting_256x256.py'
]
stats_file = 'data/h36m/annotation_body3d/lifting_stats_p2.json'
lifting_codec = dict(
    type='NormalisedImagePoseLifting',
    num_keypoints=18,
    root_index=0,
    remove_root=True,
    stats_file=stats_file)
model = dict(
    type='HeatmapLiftingEstimator',
    lambda_2d=0.01,
    beta=30.,
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    pose2d=dict(
        type='TopdownPoseEstimator',
        backbone=dict(type='ResNet', depth=50),
        head=dict(
            type='HeatmapHead',
            in_channels=2048,
            out_channels=18,
            deconv_out_channels=(256, 256, 256),
            deconv_kernel_sizes=(4, 4, 4),
            loss=dict(type='KeypointMSELoss', use_target_weight=True),
            decoder={{_base_.codec}})),
    lifter=dict(
        type='PoseLifter',
        backbone=dict(
            type='TCN',
            in_channels=2 * 18,
            stem_channels=1024,
            num_blocks=2,
            kernel_sizes=(1, 1, 1),
            dropout=0.5),
        head=dict(
            type='TemporalRegressionHead',
            in_channels=1024,
            num_joints=17,
            loss=dict(type='MSELoss'),
            decoder=lifting_codec)))
