# Retraining of a PoseNFS genotype derived from the synchronous proxy-figure
# search (td-vip_pnfs-tiny-sync_1xb32-10e_synthetic-figures-64x64.py): the
# same MobileNetV2 x0.5 + P=3 part fabrics, each fabric fixed to the
# genotype's cells and β paths, plain Adam on the weights. Used by the
# `posenfs` row of benchmarks/search_quality.py, or by hand:
#   python tools/derive.py \
#       configs/posenfs/td-vip_pnfs-tiny-sync_1xb32-10e_synthetic-figures-64x64.py \
#       work_dirs/td-vip_pnfs-tiny-sync_1xb32-10e_synthetic-figures-64x64/epoch_10.pth \
#       --out work_dirs/pnfs_syn_genotype.json
#   python tools/train.py \
#       configs/posenfs/td-vip_pnfs-tiny-fixed_1xb32-10e_synthetic-figures-64x64.py \
#       --cfg-options model.backbone.genotype=work_dirs/pnfs_syn_genotype.json
_base_ = ['./td-vip_pnfs-tiny-sync_1xb32-10e_synthetic-figures-64x64.py']

genotype = 'work_dirs/pnfs_syn_genotype.json'

optim_wrapper = dict(
    _delete_=True, type='OptimWrapper',
    optimizer=dict(type='Adam', lr=2e-3, weight_decay=0.))
model = dict(backbone=dict(genotype=genotype))
custom_hooks = [dict(type='SyncBuffersHook')]
