# The fixed PoseNFS network of a genotype (discrete derivation or a pruned
# continuous one, tools/analysis/prune_fabric.py): no α/β, no search hooks.
#   --cfg-options model.backbone.genotype=work_dirs/.../genotype.json
_base_ = ['./td-vip_pnfs-tiny-sync_1xb7-4e_coco-sample-64x48.py']

genotype = 'work_dirs/td-vip_pnfs-tiny-sync_1xb7-4e_coco-sample-64x48/genotype.json'  # noqa: E501

train_cfg = dict(max_epochs=8, val_interval=8)
optim_wrapper = dict(
    _delete_=True, type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[6], gamma=0.25)
]
model = dict(backbone=dict(genotype=genotype))
custom_hooks = [dict(type='SyncBuffersHook')]
# COCO AP and PCK (MMPose's PCKAccuracy, threshold 0.05 of the box size)
val_evaluator = [
    dict(type='CocoMetric', ann_file='data/samples/coco/test_coco.json'),
    dict(type='PCKAccuracy', thr=0.05),
]
test_evaluator = val_evaluator
