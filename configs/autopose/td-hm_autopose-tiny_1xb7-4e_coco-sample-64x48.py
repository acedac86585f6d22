# Retrain the fixed network of a tiny AutoPose search (channels doubled, no α,
# no search hooks) on the COCO sample. Pass the genotype with
#   --cfg-options model.backbone.genotype=work_dirs/.../genotype.json
_base_ = ['./td-hm_autopose-tiny-search_1xb7-2e_coco-sample-64x48.py']

genotype = 'work_dirs/td-hm_autopose-tiny-search_1xb7-2e_coco-sample-64x48/genotype.json'  # noqa: E501

train_cfg = dict(max_epochs=4, val_interval=4)
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-3, betas=(0.9, 0.99)))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[3], gamma=0.1)
]
model_wrapper_cfg = dict(
    type='MMDistributedDataParallel', find_unused_parameters=False)

channels = (8, 8, 16, 16)  # doubled from the search
model = dict(
    backbone=dict(channels=channels, genotype=genotype),
    head=dict(in_channels=sum(channels)))
custom_hooks = [dict(type='SyncBuffersHook')]
