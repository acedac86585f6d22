# The tiny first-order DARTS search with every collapse remedy of the shared
# core switched on (each can be used alone):
# - PC-DARTS: partial channels (K=2) and edge normalisation;
# - SDARTS-RS: α perturbed by U(-ε, ε) in the weight step, ε 0.03 -> 0.3;
# - DARTS-: an auxiliary skip on every stride-1 edge, β 1 -> 0;
# - P-DARTS-style cap: at most 2 skip connections per derived cell;
# - cost-aware search: 0.1 x E[MACs] / max MACs added to the α loss (set
#   cost_target=<MACs> instead for a budget).
_base_ = ['./td-hm_darts-tiny-search-fo_1xb7-4e_coco-sample-64x48.py']

model = dict(
    backbone=dict(partial_channels=2, edge_normalization=True, max_skip=2))

custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(
        type='ArchOptimizerHook',
        mode='first_order',
        arch_dataloader={{_base_.arch_dataloader}},
        optimizer=dict(
            type='Adam', lr=3e-3, betas=(0.5, 0.999), weight_decay=1e-3),
        begin_epoch=1,
        cost_weight=0.1,
        cost_input_shape=(3, 64, 48)),
    dict(type='ArchSmoothingHook', epsilon_start=0.03, epsilon_end=0.3),
    dict(type='AuxiliarySkipHook', beta_start=1.0),
    dict(type='GenotypeExportHook'),
]
