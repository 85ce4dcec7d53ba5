"""Browser uploads: multipart `files` parts streamed chunk by chunk to disk, with limits.

Each upload gets `<uploads>/<random>/`; names are reduced to a safe base name,
made unique in the folder. Nothing is held in memory beyond one chunk. Any
failure (a limit → 413, a bad request → 400, a dropped connection) removes the
folder before the error travels on.
"""

from __future__ import annotations

import errno
import logging
import secrets
import shutil
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote

from aiohttp import BodyPartReader, web

from desktopapp.server.config import MB, Limits
from desktopapp.server.context import ServerContext
from desktopapp.server.errors import ApiError

FILES_FIELD = "files"
PROJECT_FIELD = "project"
MAX_NAME_BYTES = 200
MAX_FOLDERS = 3  # the folders nearest to the file; the analyzer reads room names there
MAX_PROJECT_CHARS = 200
_FORBIDDEN_CHARS = frozenset('<>:"/\\|?*')
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{i}" for i in range(1, 10)}
    | {f"LPT{i}" for i in range(1, 10)}
)

log = logging.getLogger(__name__)


@dataclass
class Upload:
    folder: Path
    files: list[Path] = field(default_factory=list)
    original_names: dict[str, str] = field(default_factory=dict)  # stored path → as sent
    project: str | None = None

    def display_name(self, stored: str) -> str:
        return self.original_names.get(stored, Path(stored).name)

    def remove_unused(self, used: list[str]) -> int:
        """Delete the uploaded files no photo was made of; empty folders go too."""
        keep = set(used)
        removed = 0
        for path in self.files:
            if str(path) not in keep:
                path.unlink(missing_ok=True)
                removed += 1
        for folder in sorted(
            {p.parent for p in self.files}, key=lambda p: len(p.parts), reverse=True
        ):
            while folder != self.folder.parent and folder.is_relative_to(self.folder):
                try:
                    folder.rmdir()
                except OSError:
                    break
                folder = folder.parent
        return removed


def safe_component(raw: str) -> str:
    """One path component made harmless: no control, reserved or separator characters,
    no leading or trailing dots ('..' becomes ''), bounded length."""
    name = unicodedata.normalize("NFC", raw)
    name = "".join(ch for ch in name if ch.isprintable() and ch not in _FORBIDDEN_CHARS)
    name = name.strip().strip(".").strip()
    if name and name.split(".", 1)[0].upper() in _WINDOWS_RESERVED:
        name = "_" + name
    stem, suffix = _split_suffix(name)
    while len(name.encode("utf-8")) > MAX_NAME_BYTES and stem:
        stem = stem[:-1]
        name = stem + suffix
    return name


def safe_relative_path(raw: str, index: int) -> str:
    """Where an uploaded file goes inside its upload folder.

    A folder upload sends "Salon/IMG_1.jpg": the nearest folders are kept (they name
    rooms, which the analyzer reads), every component is made safe, and `..`,
    absolute paths or drive letters cannot lead anywhere but below the folder.
    """
    # Browsers percent-encode `"`, CR and LF in names (HTML form-data); some clients more.
    components = unquote(raw).replace("\\", "/").split("/")
    name = safe_component(components[-1]) or f"upload-{index}"
    folders = [part for part in map(safe_component, components[:-1]) if part]
    return "/".join([*folders[-MAX_FOLDERS:], name])


def _split_suffix(name: str) -> tuple[str, str]:
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem or len(suffix.encode()) > 16:
        return name, ""
    return stem, "." + suffix


def _unique(relative: str, taken: set[str]) -> str:
    folder, slash, name = relative.rpartition("/")
    stem, suffix = _split_suffix(name)
    candidate, number = relative, 1
    while candidate.casefold() in taken:
        number += 1
        candidate = f"{folder}{slash}{stem} ({number}){suffix}"
    taken.add(candidate.casefold())
    return candidate


def _too_large(message: str) -> ApiError:
    return ApiError(413, "too_large", message)


async def receive_upload(request: web.Request, ctx: ServerContext) -> Upload:
    limits = ctx.limits
    if request.content_length and request.content_length > limits.max_upload_total_bytes + MB:
        raise _too_large(_total_message(limits))
    upload = Upload(ctx.api.uploads_dir / secrets.token_hex(12))
    await ctx.run(upload.folder.mkdir, 0o700, True)
    try:
        try:
            await _read_parts(request, ctx, upload)
        except (ApiError, OSError):
            raise
        except Exception as exc:  # aiohttp's parser: ValueError, AssertionError, BadHttpMessage…
            log.info("unreadable upload body: %s", exc)
            raise ApiError(
                400,
                "bad_upload",
                "The upload could not be read: it is not a well-formed multipart/form-data "
                "body (send the files as a browser form does).",
            ) from None
        if not upload.files:
            raise ApiError(
                400,
                "no_files",
                f"The upload holds no files: send them in the '{FILES_FIELD}' field.",
            )
    except BaseException:
        await ctx.run(shutil.rmtree, upload.folder, True)
        raise
    return upload


async def _read_parts(request: web.Request, ctx: ServerContext, upload: Upload) -> None:
    limits = ctx.limits
    reader = await request.multipart()
    taken: set[str] = set()
    total = 0
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            raise ApiError(400, "bad_upload", "Nested multipart bodies are not accepted.")
        if part.name == PROJECT_FIELD:
            upload.project = await _small_text(part)
        elif part.name == FILES_FIELD and part.filename is not None:
            if len(upload.files) >= limits.max_upload_files:
                raise _too_large(f"Send at most {limits.max_upload_files} files at once.")
            relative = safe_relative_path(part.filename, len(upload.files) + 1)
            path = upload.folder / _unique(relative, taken)
            total = await _save_part(part, path, ctx, limits, total)
            upload.files.append(path)
            upload.original_names[str(path)] = part.filename
        else:
            await part.release()  # an unknown field: skip its content


async def _small_text(part: BodyPartReader) -> str:
    data = bytearray()
    while chunk := await part.read_chunk(4096):
        data += chunk
        if len(data) > MAX_PROJECT_CHARS * 4:
            raise ApiError(400, "bad_project", "The project name is too long.")
    return data.decode("utf-8", errors="replace").strip()[:MAX_PROJECT_CHARS]


async def _save_part(
    part: BodyPartReader, path: Path, ctx: ServerContext, limits: Limits, total: int
) -> int:
    size = 0
    try:
        out: BinaryIO = await ctx.run(_create, path)
    except OSError as exc:  # "a" sent as a file and "a/b.jpg" in the same upload
        raise ApiError(
            400, "bad_upload", f"“{part.filename}” clashes with another file of the upload."
        ) from exc
    try:
        while chunk := await part.read_chunk(limits.upload_chunk_bytes):
            size += len(chunk)
            total += len(chunk)
            if size > limits.max_upload_file_bytes:
                raise _too_large(
                    f"“{part.filename}” is larger than the {_mb(limits.max_upload_file_bytes)} "
                    "PhotoLot accepts per photo."
                )
            if total > limits.max_upload_total_bytes:
                raise _too_large(_total_message(limits))
            await ctx.run(out.write, chunk)
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise ApiError(
                507, "disk_full", "The disk is full: free some space, then upload again."
            ) from exc
        raise
    finally:
        await ctx.run(out.close)
    return total


def _create(path: Path) -> BinaryIO:
    path.parent.mkdir(parents=True, exist_ok=True)
    return open(path, "xb")  # closed by the caller, after the last chunk


def _mb(size: int) -> str:
    return f"{size / MB:g} MB"


def _total_message(limits: Limits) -> str:
    limit = _mb(limits.max_upload_total_bytes)
    return f"The upload is larger than the {limit} PhotoLot accepts at once."
