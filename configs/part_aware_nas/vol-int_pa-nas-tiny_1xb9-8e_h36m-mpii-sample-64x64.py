# Retrain the fixed part-aware network of a derived genotype on the samples.
#   --cfg-options model.backbone.genotype=work_dirs/.../genotype.json
_base_ = ['./vol-int_pa-nas-tiny-search-fo_1xb9-4e_h36m-mpii-sample-64x64.py']

genotype = 'work_dirs/vol-int_pa-nas-tiny-search-fo_1xb9-4e_h36m-mpii-sample-64x64/genotype.json'  # noqa: E501
train_cfg = dict(max_epochs=8, val_interval=8)
optim_wrapper = dict(
    _delete_=True, type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[6], gamma=0.1)
]
# groups come from the genotype (extras.part_groups)
model = dict(backbone=dict(genotype=genotype, groups=None))
custom_hooks = [dict(type='SyncBuffersHook')]
