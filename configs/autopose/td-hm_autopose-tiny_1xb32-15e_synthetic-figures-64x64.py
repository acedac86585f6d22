# Retrain the fixed network of the proxy-figures AutoPose search (channels
# doubled, no α, no search hooks) on S1-S11, test on S14-S15. Pass the
# genotype with
#   --cfg-options model.backbone.genotype=work_dirs/.../genotype.json
_base_ = ['./td-hm_autopose-tiny-search_1xb32-4e_synthetic-figures-64x64.py']

genotype = 'work_dirs/td-hm_autopose-tiny-search_1xb32-4e_synthetic-figures-64x64/genotype.json'  # noqa: E501

train_cfg = dict(max_epochs=15, val_interval=5)
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=2e-3, betas=(0.9, 0.99)))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=20, start_factor=0.05,
         by_epoch=False),  # warm-up
    dict(type='CosineAnnealingLR', begin=0, end=15, T_max=15, eta_min=1e-5,
         by_epoch=True)
]
model_wrapper_cfg = dict(
    type='MMDistributedDataParallel', find_unused_parameters=False)

channels = (16, 16, 32, 32)  # doubled from the search
model = dict(
    backbone=dict(channels=channels, genotype=genotype),
    head=dict(in_channels=sum(channels)))
custom_hooks = [dict(type='SyncBuffersHook')]
default_hooks = dict(
    checkpoint=dict(
        type='CheckpointHook', interval=5, save_best='coco/AP',
        rule='greater', max_keep_ckpts=1))
