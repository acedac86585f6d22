"""demo/topdown_demo.py on images, a video and with a tiny detector."""
import json
import os.path as osp

import cv2
import mmcv
import numpy as np
import pytest
import torch
from mmdet.apis import init_detector
from mmpose.apis import inference_topdown

from tools_test_utils import COCO_IMAGE, REPO, derived, load_tool

demo = load_tool('demo/topdown_demo.py')
DET_CFG = osp.join(osp.dirname(osp.abspath(__file__)), 'data',
                   'tiny_fcos_person.py')


@pytest.fixture(scope='module')
def darts():
    _, _, _, config, ckpt = derived('darts')
    return config, ckpt, demo.build_pose_model(config, ckpt)


@pytest.fixture(scope='module')
def detector_ckpt(tmp_path_factory):
    torch.manual_seed(0)
    detector = init_detector(DET_CFG, None, device='cpu')
    path = tmp_path_factory.mktemp('det') / 'tiny_fcos.pth'
    torch.save(dict(state_dict=detector.state_dict(),
                    meta=dict(dataset_meta=dict(classes=('person', )))),
               path)
    return str(path)


def _keypoints(instances):
    return np.array([inst['keypoints'] for inst in instances])


def test_image_without_detector(darts, tmp_path, capsys):
    config, ckpt, model = darts
    result = demo.main([config, ckpt, '--input', COCO_IMAGE, '--out-dir',
                        str(tmp_path), '--save-predictions'])
    assert 'whole image is one person box' in capsys.readouterr().out
    saved = json.loads((tmp_path / 'results_000000196141.json').read_text())
    assert saved['bbox_source'] == 'whole_image'
    assert saved['meta_info']['dataset_name'] == 'coco'
    (inst, ) = saved['instance_info']
    expected = inference_topdown(model, COCO_IMAGE)[0].pred_instances
    np.testing.assert_allclose(inst['keypoints'], expected.keypoints[0],
                               rtol=1e-5, atol=1e-3)
    h, w = mmcv.imread(COCO_IMAGE).shape[:2]
    np.testing.assert_allclose(inst['bbox'][0], [0, 0, w, h])
    drawn = mmcv.imread(str(tmp_path / '000000196141.jpg'))
    assert drawn.shape[:2] == (h, w)  # large image: no upscaling
    assert np.abs(drawn.astype(int) - mmcv.imread(COCO_IMAGE)).max() > 50


def test_image_with_tiny_detector(darts, detector_ckpt, tmp_path):
    config, ckpt, model = darts
    result = demo.main([
        config, ckpt, '--input', COCO_IMAGE, '--det-config', DET_CFG,
        '--det-checkpoint', detector_ckpt, '--bbox-thr', '0', '--nms-thr',
        '0.3', '--out-dir', str(tmp_path), '--save-predictions'
    ])
    assert result['bbox_source'] == 'detector'
    # the same boxes, computed here from the detector directly
    detector = demo.build_detector(DET_CFG, detector_ckpt)
    frame = mmcv.imread(COCO_IMAGE)
    boxes = demo.detect_persons(detector, frame, 0, 0.0, 0.3)
    assert 1 <= len(boxes) <= 4
    saved = json.loads((tmp_path / 'results_000000196141.json').read_text())
    got = saved['instance_info']
    np.testing.assert_allclose([i['bbox'][0] for i in got], boxes, atol=1e-3)
    expected = [s.pred_instances.keypoints[0]
                for s in inference_topdown(model, frame, boxes)]
    np.testing.assert_allclose(_keypoints(got), expected, atol=1e-3)


def test_video_five_frames(darts, tmp_path):
    config, ckpt, model = darts
    frame = mmcv.imrescale(mmcv.imread(COCO_IMAGE), (160, 120))
    video = str(tmp_path / 'clip.mp4')
    writer = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*'mp4v'), 5,
                             (frame.shape[1], frame.shape[0]))
    frames = [np.roll(frame, 7 * i, axis=1) for i in range(5)]
    for f in frames:
        writer.write(f)
    writer.release()
    out = tmp_path / 'out'
    result = demo.main([config, ckpt, '--input', video, '--out-dir', str(out),
                        '--save-predictions', '--vis-height', '240'])
    records = result['instance_info']
    assert [r['frame_id'] for r in records] == [0, 1, 2, 3, 4]
    # frame 2 as decoded from the file gives the saved keypoints
    cap = cv2.VideoCapture(video)
    for _ in range(3):
        ok, decoded = cap.read()
    expected = inference_topdown(model, decoded)[0].pred_instances.keypoints
    np.testing.assert_allclose(records[2]['instances'][0]['keypoints'],
                               expected[0], atol=1e-3)
    cap = cv2.VideoCapture(str(out / 'clip.mp4'))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 5
    assert int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)) == 240
    # the predictions file on disk: 5 frames, one whole-frame person each,
    # 17 COCO keypoints; those found (score > 0; MMPose puts a keypoint whose
    # heatmap maximum is <= 0 one heatmap pixel outside) lie inside the
    # region the model saw: MMPose pads the whole-frame box by 1.25 and
    # widens it to the 48:64 input aspect, so a keypoint may lie outside the
    # frame but never outside that crop
    saved = json.loads((out / 'results_clip.json').read_text())
    assert saved['bbox_source'] == 'whole_image'
    assert [r['frame_id'] for r in saved['instance_info']] == [0, 1, 2, 3, 4]
    h, w = decoded.shape[:2]  # 160x106: mp4v stores even sizes
    crop_w = 1.25 * w
    crop_h = max(1.25 * h, crop_w * 64 / 48)
    for record in saved['instance_info']:
        (inst, ) = record['instances']
        kpts = np.array(inst['keypoints'])
        found = np.array(inst['keypoint_scores']) > 0
        assert kpts.shape == (17, 2) and found.sum() >= 5
        # (up to a quarter heatmap cell: the decoder's sub-pixel shift)
        tol_w, tol_h = crop_w / 12 / 4, crop_h / 16 / 4
        assert (np.abs(kpts[found, 0] - w / 2) <= crop_w / 2 + tol_w).all()
        assert (np.abs(kpts[found, 1] - h / 2) <= crop_h / 2 + tol_h).all()
        np.testing.assert_allclose(inst['bbox'][0], [0, 0, w, h])
    # the file holds what main() returned, frame by frame
    for record, returned in zip(saved['instance_info'], records):
        np.testing.assert_allclose(record['instances'][0]['keypoints'],
                                   returned['instances'][0]['keypoints'])


def test_webcam_index_that_cannot_be_opened(tmp_path):
    # no camera on this machine (nor /dev/video57 anywhere likely): the demo
    # stops before building any model, naming the index
    index = '57'
    assert demo.input_kind(index) == 'webcam'
    with pytest.raises(ValueError, match=r"--input '57': cannot open webcam "
                       r'index 57'):
        demo.main(['no_such_config.py', 'no_such.pth', '--input', index,
                   '--out-dir', str(tmp_path)])
    assert not any(tmp_path.iterdir())  # nothing written


def test_volumetric_3d_model(tmp_path):
    _, _, _, config, ckpt = derived('pa')
    image = str(tmp_path / 'person.jpg')  # small: drawn at --vis-height
    mmcv.imwrite(mmcv.imrescale(
        mmcv.imread(osp.join(REPO, 'data/samples/mpii/004645041.jpg')),
        (320, 180)), image)
    result = demo.main([config, ckpt, '--input', image, '--out-dir',
                        str(tmp_path / 'out'), '--root-depth', '5000',
                        '--focal', '1000'])
    (inst, ) = result['instance_info']
    uvz = np.array(inst['keypoints'])
    assert uvz.shape == (18, 3)
    xyz = np.array(inst['keypoints_3d'])
    np.testing.assert_allclose(xyz[0], 0, atol=1e-9)  # root-relative
    # depth differences are the predicted root-relative depths
    np.testing.assert_allclose(xyz[:, 2], uvz[:, 2] - uvz[0, 2], atol=1e-3)
    h, w = mmcv.imread(image).shape[:2]
    z = uvz[:, 2] + 5000.0
    np.testing.assert_allclose(
        xyz[:, 0], (uvz[:, 0] - w / 2) * z / 1000 - (uvz[0, 0] - w / 2) *
        z[0] / 1000, atol=1e-3)
    drawn = mmcv.imread(str(tmp_path / 'out' / 'person.jpg'))
    width_2d = round(w * 400 / h)  # upscaled to --vis-height (400)
    assert drawn.shape[0] >= 400
    assert abs(drawn.shape[1] - 2 * width_2d) <= 2  # image + 3D panel


def test_mmpose_inferencer_runs_derived_model(darts):
    from mmpose.apis import MMPoseInferencer
    config, ckpt, model = darts
    inferencer = MMPoseInferencer(pose2d=config, pose2d_weights=ckpt,
                                  det_model='whole_image', device='cpu')
    (result, ) = list(inferencer(COCO_IMAGE))
    (inst, ) = result['predictions'][0]
    expected = inference_topdown(model, COCO_IMAGE)[0].pred_instances
    np.testing.assert_allclose(inst['keypoints'], expected.keypoints[0],
                               atol=1e-3)


def test_checkpoint_that_does_not_fit_is_refused(darts, tmp_path):
    # MMPose's init_model only warns about differently shaped weights; the
    # demo must not draw the predictions of a half-loaded network
    config, ckpt, _ = darts
    state = torch.load(ckpt, map_location='cpu', weights_only=False)
    key = 'head.final_layer.weight'
    state['state_dict'][key] = state['state_dict'][key][:-1]  # 16 joints
    del state['state_dict']['head.final_layer.bias']
    bad = tmp_path / 'bad.pth'
    torch.save(state, bad)
    with pytest.raises(ValueError) as err:
        demo.main([config, str(bad), '--input', COCO_IMAGE])
    message = str(err.value)
    assert f"pose checkpoint '{bad}' does not fit the model of config" in message
    assert f'size mismatch for {key}' in message
    assert 'head.final_layer.bias' in message  # missing key named
    with pytest.raises(FileNotFoundError, match='no_such.pth'):
        demo.main([config, str(tmp_path / 'no_such.pth'), '--input',
                   COCO_IMAGE])
