# PoseNFS with first-order DARTS search (PoseNFS Table II): α/β are stepped by
# ArchOptimizerHook on the architecture split (its own Adam, lr 3e-3, decay
# 1e-3), the weights by the runner's optimizer. Same tiny network as the
# synchronous config.
_base_ = ['./td-vip_pnfs-tiny-sync_1xb7-4e_coco-sample-64x48.py']

optim_wrapper = dict(
    _delete_=True,
    constructor='NASOptimWrapperConstructor',
    arch_params='exclude',
    optimizer=dict(type='Adam', lr=1e-3))
custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(
        type='ArchOptimizerHook',
        mode='first_order',
        arch_dataloader={{_base_.arch_dataloader}},
        optimizer=dict(
            type='Adam', lr=3e-3, betas=(0.5, 0.999), weight_decay=1e-3)),
    dict(type='GenotypeExportHook'),
]
