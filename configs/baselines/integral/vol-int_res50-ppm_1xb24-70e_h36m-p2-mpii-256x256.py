# The integral ResNet-50 baseline with the Pyramid Pooling Module between
# backbone and deconv head (seed report, Table 1, "PPM 1": bins 1, 2, 3, 6 of
# 2048 / 4 = 512 channels; 2048 + 4 x 512 = 4096 channels into the head).
# The report's other bin sets:
#   --cfg-options model.neck.bins=[1,6,12,18]       (PPM 2, 4096 channels)
#   --cfg-options model.neck.bins=[1,2,3,6,12,18] model.head.in_channels=4094
#                                                   (PPM 3: 6 x 341 + 2048)
_base_ = ['./vol-int_res50_1xb24-70e_h36m-p2-mpii-256x256.py']

model = dict(
    neck=dict(type='PyramidPoolingNeck', in_channels=2048, bins=(1, 2, 3, 6)),
    head=dict(in_channels=4096))
