"""What every detector does after its network: IoU, greedy NMS per class, the best kept."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from desktopapp.inventory.detectors.base import Detection

MAX_DETECTIONS = 100  # SSD's original post-processing's max_total_detections


def box_iou(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    """IoU of one box (x0, y0, x1, y1) with each of `others`."""
    width = np.clip(np.minimum(box[2], others[:, 2]) - np.maximum(box[0], others[:, 0]), 0, None)
    height = np.clip(np.minimum(box[3], others[:, 3]) - np.maximum(box[1], others[:, 1]), 0, None)
    inter = width * height
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (others[:, 2] - others[:, 0]) * (others[:, 3] - others[:, 1])
    union = area + areas - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def nms(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float) -> list[int]:
    """Greedy non-maximum suppression: indices kept, best first (drops IoU > threshold)."""
    order = np.argsort(-scores, kind="stable")
    kept: list[int] = []
    while order.size:
        best = int(order[0])
        kept.append(best)
        rest = order[1:]
        order = rest[box_iou(boxes[best], boxes[rest]) <= iou_threshold]
    return kept


def classwise_nms(
    boxes: np.ndarray,
    scores: np.ndarray,
    classes: np.ndarray,
    labels: Sequence[str | None],
    nms_iou: float,
) -> list[Detection]:
    """Candidates (one row each: box in 0..1, score, class index into `labels`) → the
    detections NMS keeps per class, best first, at most MAX_DETECTIONS. Empty boxes and
    classes labelled None (a model column without a class) are dropped."""
    valid = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
    found: list[Detection] = []
    for class_index in np.unique(classes[valid]):
        label = labels[int(class_index)]
        if label is None:
            continue
        (members,) = np.nonzero(valid & (classes == class_index))
        for kept in nms(boxes[members], scores[members], nms_iou):
            i = members[kept]
            x0, y0, x1, y1 = (float(v) for v in boxes[i])
            found.append(Detection(label, float(scores[i]), (x0, y0, x1, y1)))
    found.sort(key=lambda d: d.score, reverse=True)
    return found[:MAX_DETECTIONS]
