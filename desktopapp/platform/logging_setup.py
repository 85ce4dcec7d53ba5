"""Logging: the console, plus a rotating file in the data dir's `logs/`."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from desktopapp.platform.private_files import open_private

FORMAT = "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"


LOG_FILE = "photolot.log"
NATIVE_LOG_FILE = "native.log"  # what C libraries write to stderr (native_stderr)


def _not_a_decoder_warning(record: logging.LogRecord) -> bool:
    """Pillow's warnings about odd files (corrupt EXIF, tags past the end) are for the log
    file: the photo's own error, if any, is what the person sees."""
    return record.name != "py.warnings"


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Each new log file owner-only, whatever the umask."""

    def _open(self):
        return open_private(Path(self.baseFilename), self.mode, self.encoding)


def configure_logging(log_dir: Path | None, verbose: bool = False) -> None:
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    console = logging.StreamHandler()  # sys.stderr as it is now (see native_stderr)
    console.setLevel(logging.INFO if verbose else logging.WARNING)
    console.setFormatter(logging.Formatter(FORMAT))
    if not verbose:
        console.addFilter(_not_a_decoder_warning)
    handlers: list[logging.Handler] = [console]
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        file_handler = _PrivateRotatingFileHandler(
            log_dir / LOG_FILE, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
        file_handler.setFormatter(logging.Formatter(FORMAT))
        handlers.append(file_handler)
    root.handlers = handlers
    logging.getLogger("huey").setLevel(logging.WARNING)
    # Pillow warns about odd files (corrupt EXIF, malformed MPO): log them, never raise
    logging.captureWarnings(True)
