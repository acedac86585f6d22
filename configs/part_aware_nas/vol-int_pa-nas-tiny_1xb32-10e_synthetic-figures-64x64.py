# Retrain the fixed part-aware network of a derived genotype on the proxy
# figures (groups come from the genotype).
#   --cfg-options model.backbone.genotype=work_dirs/.../genotype.json
_base_ = [
    './vol-int_pa-nas-tiny-search-fo_1xb32-2e_synthetic-figures-64x64.py'
]

genotype = 'work_dirs/vol-int_pa-nas-tiny-search-fo_1xb32-2e_synthetic-figures-64x64/genotype.json'  # noqa: E501
train_cfg = dict(max_epochs=10, val_interval=10)
optim_wrapper = dict(
    _delete_=True, type='OptimWrapper', optimizer=dict(type='Adam', lr=2e-3))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[8], gamma=0.1)
]
model = dict(backbone=dict(genotype=genotype, groups=None))
custom_hooks = [dict(type='SyncBuffersHook')]
train_dataloader = dict(dataset=dict(indices=None))  # all of S1-S11
default_hooks = dict(
    checkpoint=dict(
        type='CheckpointHook', interval=1, max_keep_ckpts=1,
        save_best='MPJPE', rule='less'))
