# Transfer of the COCO-searched AutoPose network to MPII at 256x256 (paper
# Sec. 4.1/4.3): same genotype and training recipe
# (_base_/models/autopose_c32_210e.py), 16 MPII joints, PCKh.
#   --cfg-options model.backbone.genotype=work_dirs/.../genotype.json
_base_ = [
    '../_base_/datasets/mpii_autopose_256x256.py',
    '../_base_/models/autopose_c32_210e.py'
]

model = dict(head=dict(out_channels=16, decoder={{_base_.codec}}))

default_hooks = dict(
    checkpoint=dict(save_best='PCK', rule='greater', max_keep_ckpts=1))
