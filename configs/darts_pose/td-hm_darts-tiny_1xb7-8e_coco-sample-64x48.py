# Retrain the fixed network of a derived genotype (no α, no search hooks).
# Pass the genotype with
#   --cfg-options model.backbone.genotype=work_dirs/.../genotype.json
_base_ = ['./td-hm_darts-tiny-search-fo_1xb7-4e_coco-sample-64x48.py']

genotype = 'work_dirs/td-hm_darts-tiny-search-fo_1xb7-4e_coco-sample-64x48/genotype.json'  # noqa: E501

train_cfg = dict(max_epochs=8, val_interval=8)
optim_wrapper = dict(
    _delete_=True, type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[6], gamma=0.1)
]
model = dict(backbone=dict(genotype=genotype))
custom_hooks = [dict(type='SyncBuffersHook')]
