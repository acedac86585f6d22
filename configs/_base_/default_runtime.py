# MMPose's runtime (hooks, logging, visualiser, default_scope='mmpose') plus the
# mmposenas registrations.
_base_ = ['mmpose::_base_/default_runtime.py']

custom_imports = dict(imports=['mmposenas'], allow_failed_imports=False)
