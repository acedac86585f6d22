# The random-architecture baseline of PoseNFS Table II: α and β drawn once
# from N(0, 1) (seed 2) and frozen; everything else as the synchronous run.
_base_ = ['./td-vip_pnfs-mbv2-c10-p3-sync_1xb24-200e_mpii-256x256.py']

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
