# MMPose's runtime (hooks, logging, visualiser, default_scope='mmpose') plus the
# mmposenas registrations.
_base_ = ['mmpose::_base_/default_runtime.py']

custom_imports = dict(imports=['mmposenas'], allow_failed_imports=False)

# Reliability hooks of every mmposenas config (merged into MMPose's
# default_hooks):
# - random_state: the Python/NumPy/torch random states go into every
#   checkpoint and are restored on --resume, so a resumed run is the same run;
# - divergence_guard: a NaN/inf loss or α stops training with an error naming
#   the iteration and the term, and no checkpoint of diverged weights is saved.
default_hooks = dict(
    random_state=dict(type='RandomStateHook'),
    divergence_guard=dict(type='DivergenceGuardHook'))
