# MMPose's runtime (hooks, logging, visualiser, default_scope='mmpose') plus the
# mmposenas registrations.
_base_ = ['mmpose::_base_/default_runtime.py']

custom_imports = dict(imports=['mmposenas'], allow_failed_imports=False)
# MMPose 1.3.2's OpenCV drawing backend fails on numpy >= 2.4 as soon as a
# keypoint is drawn (int() of a 1-element array); matplotlib draws the same.
visualizer = dict(backend='matplotlib')
