# Retrain the AutoPose network derived by the search from scratch on COCO at
# 256x192 (paper Sec. 4.2): the recipe of _base_/models/autopose_c32_210e.py
# (channels doubled, 210 epochs, Adam 1e-3, batch 128, flip test). Pass the
# genotype with
#   --cfg-options model.backbone.genotype=work_dirs/.../genotype.json
_base_ = [
    '../_base_/datasets/coco_autopose_256x192.py',
    '../_base_/models/autopose_c32_210e.py'
]

model = dict(head=dict(out_channels=17, decoder={{_base_.codec}}))

default_hooks = dict(
    checkpoint=dict(save_best='coco/AP', rule='greater', max_keep_ckpts=1))
