# First-order gradient search of PoseNFS Table II: α/β by their own Adam
# (lr 3e-3, weight decay 1e-3) on a held-out architecture split. The paper
# holds out half of the MPII training set; MMPose has no such split, so
# point arch_dataloader at your own half (here: the training annotations).
_base_ = ['./td-vip_pnfs-mbv2-c10-p3-sync_1xb24-200e_mpii-256x256.py']

optim_wrapper = dict(
    _delete_=True,
    constructor='NASOptimWrapperConstructor',
    arch_params='exclude',
    optimizer=dict(type='Adam', lr=1e-3))
arch_dataloader = dict(
    batch_size=24,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset={{_base_.train_dataloader.dataset}})
custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(
        type='ArchOptimizerHook',
        mode='first_order',
        arch_dataloader=arch_dataloader,
        optimizer=dict(
            type='Adam', lr=3e-3, betas=(0.5, 0.999), weight_decay=1e-3)),
    dict(type='GenotypeExportHook'),
]
