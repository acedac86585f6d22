# PoseNFS random architecture (PoseNFS Table II): α and β drawn once from
# N(0, 1) with a fixed seed and frozen; only the weights train.
_base_ = ['./td-vip_pnfs-tiny-sync_1xb7-4e_coco-sample-64x48.py']

optim_wrapper = dict(
    _delete_=True,
    constructor='NASOptimWrapperConstructor',
    arch_params='exclude',
    optimizer=dict(type='Adam', lr=1e-3))
custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(type='ArchOptimizerHook', mode='random', seed=2, random_std=1.0),
    dict(type='GenotypeExportHook'),
]
