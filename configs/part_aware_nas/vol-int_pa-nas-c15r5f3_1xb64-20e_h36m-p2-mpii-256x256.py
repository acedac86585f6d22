# Retrain the derived 15-cell part-aware network (seed's large model) on
# Human3.6M Protocol 2 + MPII 2D with intermediate supervision on the
# multi-scale maps: the two non-final fusion cells also emit volumes (a
# per-joint 1x1 conv of their group maps, at 1/4 and 1/2 of the output
# resolution) that get the L1 loss with weight 0.5 each. Eq. 8 places the
# reductions at 3, 5, 7, 9, 11. Size: benchmarks/part_aware_sizes.py
# (Table 6 of the paper has its size; its text gives none).
#   --cfg-options model.backbone.genotype=work_dirs/<search>/genotype.json
_base_ = ['./vol-int_pa-nas-c10r5f3_1xb64-20e_h36m-p2-mpii-256x256.py']

genotype = 'work_dirs/vol-int_pa-nas-c15r5f3-search-so_1xb40-25e_h36m-128x128/genotype.json'  # noqa: E501
model = dict(
    backbone=dict(
        num_cells=15, intermediate_supervision=True, genotype=genotype),
    head=dict(intermediate_weights=[0.5, 0.5]))
