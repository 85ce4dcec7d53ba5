"""Loading a bundled ONNX model: its bytes checked against a pinned SHA-256, then one
onnxruntime session on the CPU. Every failure is a `ModelFileError` naming the file."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from desktopapp.inventory.detectors.base import ModelFileError

if TYPE_CHECKING:
    import onnxruntime

T = TypeVar("T")


def read_model(path: Path, expected_sha256: str | None) -> bytes:
    """The model file's bytes, checked against `expected_sha256` if given."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ModelFileError(path, "model file is missing") from None
    except OSError as error:
        raise ModelFileError(path, f"model file is unreadable: {error}") from error
    if expected_sha256 is not None:
        actual = hashlib.sha256(data).hexdigest()
        if actual != expected_sha256.lower():
            raise ModelFileError(path, f"SHA-256 is {actual}, expected {expected_sha256}")
    return data


def cpu_session(path: Path, data: bytes, threads: int) -> onnxruntime.InferenceSession:
    """A session that runs on the calling thread plus `threads - 1` helpers: with one
    intra-op thread per worker, two workers do not fight over two cores."""
    import onnxruntime  # heavy: only when a detector is first used

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    # no arena, no memory-pattern cache: ~12 MB less per session, no slower here
    options.enable_cpu_mem_arena = False
    options.enable_mem_pattern = False
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    try:
        return onnxruntime.InferenceSession(
            data, sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as error:  # onnxruntime raises its own exception types
        raise ModelFileError(path, f"onnxruntime cannot load it: {error}") from error


class LazyModel:
    """One model file's session, verified and created once, on first use, from any thread.
    `adopt(session)` checks it fits its detector (inputs, outputs, class list) and raises
    ModelFileError when it does not; the session is kept only once adopted."""

    def __init__(
        self,
        path: Path,
        expected_sha256: str | None,
        threads: int,
        adopt: Callable[[onnxruntime.InferenceSession], None],
    ) -> None:
        self.path = Path(path)
        self.expected_sha256 = expected_sha256
        self.threads = threads
        self._adopt = adopt
        self._session: onnxruntime.InferenceSession | None = None
        self._lock = threading.Lock()

    def session(self) -> onnxruntime.InferenceSession:
        with self._lock:
            if self._session is None:
                data = read_model(self.path, self.expected_sha256)
                session = cpu_session(self.path, data, self.threads)
                self._adopt(session)
                self._session = session
            return self._session


def metadata_classes(
    session: onnxruntime.InferenceSession, path: Path, parse: Callable[[Mapping[str, str]], T]
) -> T:
    """The class list the model stores in its metadata, parsed; ModelFileError if bad."""
    try:
        return parse(session.get_modelmeta().custom_metadata_map)
    except ValueError as error:
        raise ModelFileError(path, f"bad class list: {error}") from error
