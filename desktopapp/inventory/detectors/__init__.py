"""Bundled object detectors (ONNX, CPU) behind one small protocol."""
