# As the 10-cell search, with N_c=20 cells (Eq. 8 puts the 5 reductions at
# [3, 6, 9, 12, 15]) and multi-scale intermediate supervision: every non-final
# fusion cell also emits volumes (a per-joint 1x1 conv of its group maps)
# that get the L1 loss with weight 0.5 at its own resolution.
# (reduction_rule='literal', Eq. 8 as printed, gives 3, 5, 7, 9, 11.)
_base_ = ['./vol-int_pa-nas-c10r5f3-search-so_1xb40-25e_h36m-128x128.py']

model = dict(
    backbone=dict(num_cells=20, intermediate_supervision=True),
    head=dict(intermediate_weights=[0.5, 0.5]))
