# Fine-tune the fixed network of a tiny AutoPose search at the *search*
# widths, so that `tools/derive.py --fixed-checkpoint` can copy the shared
# supernet weights one to one (with the usual doubled channels no weight
# keeps its shape and derive refuses). Use it as the retrain config
# (docs/autopose.md, "Fine-tuning from the supernet"):
#   python tools/derive.py SEARCH_CONFIG work_dirs/ap_search/epoch_2.pth \
#       --out work_dirs/ap_search/derived.json --retrain-config THIS_CONFIG \
#       --fixed-checkpoint work_dirs/ap_search/derived_fixed.pth
# then train the written work_dirs/ap_search/derived_fixed.py with
#   --cfg-options load_from=work_dirs/ap_search/derived_fixed.pth
_base_ = ['./td-hm_autopose-tiny_1xb7-4e_coco-sample-64x48.py']

channels = (4, 4, 8, 8)  # the search widths (no doubling)
model = dict(
    backbone=dict(channels=channels), head=dict(in_channels=sum(channels)))
