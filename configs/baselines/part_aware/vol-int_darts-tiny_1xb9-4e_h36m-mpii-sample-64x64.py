# Retrain the fixed network of the toy backbone-only search
# (vol-int_darts-tiny-search-fo_1xb9-2e_h36m-mpii-sample-64x64.py) on the
# samples.
#   --cfg-options model.backbone.genotype=work_dirs/<search>/genotype.json
_base_ = ['./vol-int_darts-tiny-search-fo_1xb9-2e_h36m-mpii-sample-64x64.py']
genotype = 'work_dirs/vol-int_darts-tiny-search-fo_1xb9-2e_h36m-mpii-sample-64x64/genotype.json'  # noqa: E501
train_cfg = dict(max_epochs=4, val_interval=4)
optim_wrapper = dict(
    _delete_=True, type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3))
model = dict(backbone=dict(genotype=genotype))
custom_hooks = [dict(type='SyncBuffersHook')]
