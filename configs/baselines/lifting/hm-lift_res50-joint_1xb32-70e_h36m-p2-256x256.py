# Heatmap + lifting trained end to end (seed report's multi-task learning):
# L = L_3d + 0.01 L_2d; the 2D joints come from the heatmaps by the shared
# soft-argmax, so the 3D loss trains the 2D network too. ResNet-50 (ImageNet)
# + 3 deconvs -> 64x64 heatmaps -> soft-argmax -> lifter (linear 1024, two
# residual blocks, dropout 0.5). Human3.6M P2 images (no flip: the lifter
# reads image-space 2D); Adam 1e-4 x0.1 at 40 and 60, 70 epochs. Statistics:
# as for the lifter (tools/analysis/compute_lifting_stats.py).
_base_ = ['./hm-lift_res50-separate_h36m-p2-256x256.py']

train_cfg = dict(by_epoch=True, max_epochs=70, val_interval=5)
randomness = dict(seed=0)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-4))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[40, 60], gamma=0.1)
]
auto_scale_lr = dict(base_batch_size=32)
model = dict(
    pose2d=dict(
        backbone=dict(
            init_cfg=dict(type='Pretrained',
                          checkpoint='torchvision://resnet50'))))
default_hooks = dict(
    checkpoint=dict(
        type='CheckpointHook', interval=5, max_keep_ckpts=2,
        save_best='MPJPE', rule='less'))
