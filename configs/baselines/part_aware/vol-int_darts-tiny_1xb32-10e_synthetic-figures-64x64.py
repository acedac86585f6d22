# Retrain the fixed network of the proxy backbone-only search
# (vol-int_darts-tiny-search-fo_1xb32-2e_synthetic-figures-64x64.py) on all
# training figures (S1-S11), 10 epochs, Adam 2e-3 x0.1 at 8.
#   --cfg-options model.backbone.genotype=work_dirs/<search>/genotype.json
_base_ = ['./vol-int_darts-tiny-search-fo_1xb32-2e_synthetic-figures-64x64.py']
genotype = 'work_dirs/vol-int_darts-tiny-search-fo_1xb32-2e_synthetic-figures-64x64/genotype.json'  # noqa: E501
train_cfg = dict(max_epochs=10, val_interval=5)
train_dataloader = dict(dataset=dict(indices=None))
optim_wrapper = dict(
    _delete_=True, type='OptimWrapper', optimizer=dict(type='Adam', lr=2e-3))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[8], gamma=0.1)
]
model = dict(backbone=dict(genotype=genotype))
custom_hooks = [dict(type='SyncBuffersHook')]
default_hooks = dict(
    checkpoint=dict(
        type='CheckpointHook', interval=5, max_keep_ckpts=1,
        save_best='MPJPE', rule='less'))
