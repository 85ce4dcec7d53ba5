"""The inventory as a PDF (A4 portrait), from a batch's full state.

Made with fpdf2 (LGPL-3.0-only: used as an unmodified library, imported, never copied
into PhotoLot, which is what the LGPL allows an MIT program to do) and the bundled DejaVu
Sans (resources/fonts, its licence beside it), subset into the file: accents, "m³" and any
Latin, Greek or Cyrillic name print as they are. Every text is drawn as plain text: a
name with HTML or Markdown in it prints literally.

The report shows the batch as the mover corrected it (`snapshot["review"]`, the corrected
photos and `inventorySummary`): the batch's name as the title when it has one, the move's
header (customer, addresses, date, floors and lifts, notes; an empty field prints nothing),
the totals with the corrections counted, then each room (photos the user excluded are in
none; a room with only items added by hand is listed too) with its item lines, the lines
added or changed by hand marked, then the failed and the excluded photos.

Photos appear as their 320 px thumbnails made smaller again (at most `THUMB_PX` px,
JPEG quality `THUMB_QUALITY`, a few KB each), at most `THUMBS_PER_ROOM` per room: a
1,000-photo batch stays a few MB.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from PIL import Image, UnidentifiedImageError

from desktopapp.platform.paths import resources_dir
from desktopapp.report import figures
from desktopapp.report.strings import LANGUAGES, Words

log = logging.getLogger(__name__)

FONT = "DejaVu"
THUMB_PX = 160  # longest side of a thumbnail in the PDF (drawn 20 mm wide: ~200 dpi)
THUMB_QUALITY = 70
THUMBS_PER_ROOM = 8
THUMB_W, THUMB_H, THUMB_GAP = 20.0, 15.0, 2.5  # mm
MARGIN = 15.0  # mm
# Item table: item, quantity, unit volume, handling, source, packed volume (mm; 180 in all)
COLUMNS = (52.0, 12.0, 18.0, 56.0, 23.0, 19.0)
ROW_H = 5.6  # the head row, and a body row of one line
LINE_H = 3.9  # a body row's line (names and handling wrap)
ROW_PAD = 0.85  # above and below a body row's text
MAX_LINES = 4  # a longer name is cut with "…"
INK = (33, 37, 41)
MUTED = (108, 117, 125)
GREYED = (160, 164, 168)
ACCENT = (13, 110, 253)
BOX_FILL = (241, 245, 251)
HEAD_FILL = (233, 236, 239)

Thumbnails = Callable[[int], Path | None]


def fonts_dir() -> Path:
    return resources_dir() / "fonts"


class _Document(FPDF):
    def __init__(self, lang: str, generated: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.lang = lang
        self.words = Words(lang)
        self.generated = generated
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + 3)
        self.add_font(FONT, "", str(fonts_dir() / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(fonts_dir() / "DejaVuSans-Bold.ttf"))
        self.set_creator("PhotoLot")

    def footer(self) -> None:
        self.set_y(-MARGIN + 2)
        self.set_font(FONT, "", 7.5)
        self.set_text_color(*MUTED)
        text = self.words(
            "report.footer",
            date=self.generated,
            page=self.page_no(),
            pages=self.str_alias_nb_pages,
        )
        self.cell(0, 4, text, align="C")

    # -- helpers ----------------------------------------------------------------------------
    def style(self, size: float, bold: bool = False, color: tuple[int, int, int] = INK) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.set_text_color(*color)

    def fit(self, text: str, width: float) -> str:
        """`text` cut with "…" so that it fits `width` mm in the current font."""
        text = " ".join(text.split())
        if self.get_string_width(text) <= width:
            return text
        low, high = 0, len(text)
        while low < high:
            middle = (low + high + 1) // 2
            if self.get_string_width(text[:middle] + "…") <= width:
                low = middle
            else:
                high = middle - 1
        return text[:low].rstrip() + "…"

    def line_cell(self, width: float, height: float, text: str, **kwargs: Any) -> None:
        self.cell(width, height, self.fit(text, width - 2 * self.c_margin), **kwargs)

    def paragraph(self, height: float, text: str) -> None:
        self.multi_cell(0, height, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def room_left(self) -> float:
        return self.h - self.b_margin - self.get_y()


class _ThumbnailCache:
    """Each thumbnail file made small once, however often it is drawn."""

    def __init__(self, lookup: Thumbnails) -> None:
        self._lookup = lookup
        self._by_path: dict[Path, tuple[bytes, int, int] | None] = {}

    def get(self, photo_id: int) -> tuple[bytes, int, int] | None:
        try:
            path = self._lookup(photo_id)
        except Exception:  # a photo deleted meanwhile: drawn as an empty frame
            log.warning("no thumbnail for photo %s", photo_id, exc_info=True)
            return None
        if path is None:
            return None
        if path not in self._by_path:
            self._by_path[path] = _small_jpeg(path)
        return self._by_path[path]


def _small_jpeg(path: Path) -> tuple[bytes, int, int] | None:
    try:
        with Image.open(path) as image:
            image.draft("RGB", (THUMB_PX, THUMB_PX))
            picture = image.convert("RGB")
    except (OSError, UnidentifiedImageError, ValueError) as exc:
        log.warning("cannot read the thumbnail %s: %s", path, exc)
        return None
    picture.thumbnail((THUMB_PX, THUMB_PX))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=THUMB_QUALITY, optimize=True)
    return buffer.getvalue(), picture.width, picture.height


def _date(timestamp: float | None, lang: str) -> str:
    if not timestamp:
        return "—"
    return datetime.fromtimestamp(float(timestamp)).strftime(Words(lang)("report.dateFormat"))


def render_pdf(
    snapshot: dict[str, Any],
    thumbnails: Thumbnails,
    language: str,
    *,
    generated_at: datetime | None = None,
) -> bytes:
    """The batch's inventory report, a PDF, in French ("fr") or English ("en").

    `snapshot` is the batch's full state (`GET /api/batches/{id}`); `thumbnails(photo_id)`
    gives a photo's thumbnail file, or None when it has none.
    """
    lang = language if language in LANGUAGES else "en"
    words = Words(lang)
    generated = (generated_at or datetime.now()).strftime(words("report.dateFormat"))
    pdf = _Document(lang, generated)
    name = (snapshot.get("review") or {}).get("name")
    pdf.set_title(name or f"{words('report.title')} — {words.project(snapshot.get('project'))}")
    pdf.add_page()
    _header(pdf, snapshot)
    _move(pdf, snapshot)
    _totals(pdf, snapshot)
    _rooms(pdf, snapshot, _ThumbnailCache(thumbnails))
    _failed(pdf, snapshot)
    _excluded(pdf, snapshot)
    return bytes(pdf.output())


def _header(pdf: _Document, snapshot: dict[str, Any]) -> None:
    words = pdf.words
    name = (snapshot.get("review") or {}).get("name")
    title = f"{words('report.title')} — {words.project(snapshot.get('project'))}"
    pdf.style(18, bold=True)
    pdf.paragraph(8.5, name or title)
    pdf.ln(1)
    pdf.style(10, color=MUTED)
    if name:
        pdf.paragraph(5, title)
    batch = words("report.batch", id=snapshot.get("batchId"))
    date = words("report.date", date=_date(snapshot.get("createdAt"), pdf.lang))
    pdf.paragraph(5, f"{batch} · {date}")
    pdf.ln(4)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _move(pdf: _Document, snapshot: dict[str, Any]) -> None:
    """The move's header, as the mover typed it; fields left empty print nothing."""
    words, lang = pdf.words, pdf.lang
    header = (snapshot.get("review") or {}).get("header") or {}
    customer = _text(header.get("customer"))
    date = figures.move_date(_text(header.get("date")), lang)
    notes = _text(header.get("notes"))
    sides = []
    for end, label in (("from", words("report.from")), ("to", words("report.to"))):
        address = _text(header.get(f"{end}Address"))
        floor = _text(header.get(f"{end}Floor"))
        lift = header.get(f"{end}Lift")
        access = [words("report.floor", floor=floor)] if floor else []
        if lift is not None:
            access.append(words("report.lift.yes" if lift else "report.lift.no"))
        if address or access:
            sides.append((label, address, " · ".join(access)))
    if not (customer or date or notes or sides):
        return
    top, page = pdf.get_y(), pdf.page_no()
    pdf.style(8, bold=True, color=ACCENT)
    pdf.cell(0, 4, words("report.move").upper(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(0.8)
    half = pdf.epw / 2
    for row in _pairs(
        [(words("report.customer"), customer, "")] if customer else [],
        [(words("report.moveDate"), date, "")] if date else [],
    ) + _pairs(sides[:1], sides[1:]):
        y, bottom = pdf.get_y(), pdf.get_y()
        for column, (label, value, detail) in enumerate(row):
            if not label:
                continue
            pdf.set_xy(pdf.l_margin + column * half, y)
            pdf.style(7.5, color=MUTED)
            pdf.cell(half - 4, 3.6, label, new_x=XPos.LEFT, new_y=YPos.NEXT)
            if value:
                pdf.style(9.5, bold=True)
                pdf.multi_cell(half - 4, 4.4, value, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
            if detail:
                pdf.style(8.5)
                pdf.multi_cell(half - 4, 4.2, detail, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
            bottom = max(bottom, pdf.get_y())
        pdf.set_xy(pdf.l_margin, bottom + 1.5)
    if notes:
        pdf.style(7.5, color=MUTED)
        pdf.cell(0, 3.6, words("report.notes"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.style(8.5)
        for line in notes.split("\n"):
            pdf.paragraph(4.2, line or " ")
        pdf.ln(1.5)
    if pdf.page_no() == page:  # an accent rule beside the block (when it fits one page)
        pdf.set_draw_color(*ACCENT)
        pdf.set_line_width(0.6)
        pdf.line(pdf.l_margin - 2.5, top + 0.5, pdf.l_margin - 2.5, pdf.get_y() - 1.5)
        pdf.set_line_width(0.2)
    pdf.ln(3)


def _pairs(left: list[Any], right: list[Any]) -> list[list[Any]]:
    """Two lists of (label, value, detail) side by side, a blank where one is shorter."""
    blank = ("", "", "")
    return [
        [left[i] if i < len(left) else blank, right[i] if i < len(right) else blank]
        for i in range(max(len(left), len(right)))
    ]


def _totals(pdf: _Document, snapshot: dict[str, Any]) -> None:
    words, lang = pdf.words, pdf.lang
    summary = snapshot.get("inventorySummary") or {}
    counts = snapshot.get("counts") or {}
    packed = float(summary.get("totalPackedVolume") or 0.0)
    photos = words(
        "report.photosValue",
        n=figures.integer(int(counts.get("completed") or 0), lang),
        failed=figures.integer(int(counts.get("failed") or 0), lang),
        total=figures.integer(int(counts.get("total") or 0), lang),
    )
    hand = ", ".join(
        (
            _count(words, "report.handAdded", int(summary.get("handAddedItems") or 0), lang),
            _count(words, "report.handRemoved", int(summary.get("handRemovedItems") or 0), lang),
        )
    )
    excluded = len(figures.excluded_photos(snapshot.get("photos") or []))
    not_moving = figures.not_moving_count(summary)
    cells = [
        (words("report.items"), figures.integer(int(summary.get("totalItems") or 0), lang)),
        (words("report.volume"), figures.volume(summary.get("totalVolume"), lang)),
        (words("report.packed"), figures.volume(packed, lang)),
        (words("report.cartons"), figures.integer(figures.estimated_cartons(summary), lang)),
        (words("report.truck"), figures.truck_class(packed, lang)),
        (words("report.photos"), photos),
        (words("report.hand"), hand),
        (words("report.notMovingTotal"), figures.integer(not_moving, lang)),
        (words("report.excluded"), figures.integer(excluded, lang)),
    ]
    top, width = pdf.get_y(), pdf.epw
    column = width / 3
    height = 7 + 3 * 12 + 1
    if pdf.room_left() < height + 20:
        pdf.add_page()
        top = pdf.get_y()
    pdf.set_fill_color(*BOX_FILL)
    pdf.set_draw_color(*HEAD_FILL)
    pdf.rect(pdf.l_margin, top, width, height, style="DF")
    pdf.set_xy(pdf.l_margin + 3, top + 2)
    pdf.style(8, bold=True, color=ACCENT)
    pdf.cell(0, 4, words("report.totals").upper())
    for index, (label, value) in enumerate(cells):
        x = pdf.l_margin + 3 + (index % 3) * column
        y = top + 7 + (index // 3) * 12
        pdf.set_xy(x, y)
        pdf.style(8, color=MUTED)
        pdf.line_cell(column - 4, 4, label)
        pdf.set_xy(x, y + 4.2)
        pdf.style(12 if index < 5 else 9, bold=index < 5)
        pdf.line_cell(column - 4, 6, value)
    pdf.set_xy(pdf.l_margin, top + height + 1.5)
    pdf.style(7, color=MUTED)
    pdf.paragraph(3.4, words("report.cartonsRule"))
    pdf.paragraph(3.4, words("report.truckRule"))
    pdf.paragraph(3.4, words("report.marksRule"))
    pdf.ln(5)


def _rooms(pdf: _Document, snapshot: dict[str, Any], cache: _ThumbnailCache) -> None:
    words = pdf.words
    pdf.style(13, bold=True)
    pdf.cell(0, 7, words("report.rooms"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)
    rooms = (snapshot.get("inventorySummary") or {}).get("rooms") or []
    if not rooms:
        pdf.style(9.5, color=MUTED)
        pdf.paragraph(5, words("report.noRooms"))
    photo_ids = figures.photos_by_room(snapshot.get("photos") or [])
    for room in rooms:
        key = figures.room_key(room.get("roomType"), room.get("roomName"))
        _room(pdf, room, photo_ids.get(key, []), cache)


def _room(
    pdf: _Document, room: dict[str, Any], photo_ids: list[int], cache: _ThumbnailCache
) -> None:
    words, lang = pdf.words, pdf.lang
    items = room.get("items") or []
    # a room starts on a new page unless it fits whole (a room longer than a page: at
    # least its name, its thumbnails and its first rows together)
    head = 14 + (THUMB_H + 2.5 if photo_ids else 0)
    needed = head + ROW_H * (1 + len(items))
    if needed > pdf.h - pdf.t_margin - pdf.b_margin:
        needed = head + ROW_H * 4
    if pdf.room_left() < needed:
        pdf.add_page()
    pdf.ln(2)
    pdf.style(11.5, bold=True)
    pdf.line_cell(pdf.epw, 6, figures.room_display_name(room, lang))
    pdf.ln(6)
    count = int(room.get("photos") or 0)
    photos = _count(words, "n.photos", count, lang) if count else words("report.noPhotoRoom")
    line = words(
        "report.roomLine",
        photos=photos,
        items=_count(words, "n.items", int(room.get("itemsCount") or 0), lang),
        volume=figures.volume(room.get("volume_m3"), lang),
        packed=figures.volume(room.get("packedVolume_m3"), lang),
    )
    pdf.style(8.5, color=MUTED)
    pdf.line_cell(pdf.epw, 4.5, line)
    pdf.ln(5.5)
    if photo_ids:
        _thumbnail_row(pdf, photo_ids, cache)
    _items_table(pdf, items, figures.room_display_name(room, lang))
    pdf.ln(3)


def _thumbnail_row(pdf: _Document, photo_ids: list[int], cache: _ThumbnailCache) -> None:
    words = pdf.words
    shown = photo_ids if len(photo_ids) <= THUMBS_PER_ROOM else photo_ids[: THUMBS_PER_ROOM - 1]
    top = pdf.get_y()
    x = pdf.l_margin
    pdf.set_draw_color(*HEAD_FILL)
    for photo_id in shown:
        found = cache.get(photo_id)
        pdf.rect(x, top, THUMB_W, THUMB_H)
        if found is not None:
            data, width, height = found
            scale = min(THUMB_W / width, THUMB_H / height)
            w, h = width * scale, height * scale
            pdf.image(io.BytesIO(data), x + (THUMB_W - w) / 2, top + (THUMB_H - h) / 2, w, h)
        x += THUMB_W + THUMB_GAP
    hidden = len(photo_ids) - len(shown)
    if hidden:
        pdf.set_fill_color(*BOX_FILL)
        pdf.rect(x, top, THUMB_W, THUMB_H, style="DF")
        pdf.set_xy(x, top)
        pdf.style(8.5, bold=True, color=MUTED)
        text = words("report.morePhotos", n=figures.integer(hidden, pdf.lang))
        pdf.line_cell(THUMB_W, THUMB_H, text, align="C")
    pdf.set_xy(pdf.l_margin, top + THUMB_H + 2.5)


def _count(words: Words, key: str, n: int, lang: str) -> str:
    """1 photo, 3 photos (in French 0 and 1 are singular): the plural forms of `key`."""
    return words(key, n=figures.integer(n, lang))


def _table_head(pdf: _Document) -> None:
    words = pdf.words
    pdf.set_fill_color(*HEAD_FILL)
    pdf.style(7.5, bold=True, color=MUTED)
    heads = tuple(
        f"report.col.{name}"
        for name in ("item", "quantity", "unit", "handling", "source", "packed")
    )
    for width, key, align in zip(COLUMNS, heads, ALIGNS, strict=True):
        pdf.line_cell(width, ROW_H, words(key), align=align, fill=True)
    pdf.ln(ROW_H)


ALIGNS = ("L", "R", "R", "L", "L", "R")
WRAPPED = (0, 3)  # the columns whose text wraps (name, handling); the others are cut to fit


def _handling(item: dict[str, Any], words: Words) -> str:
    if item.get("builtIn"):
        return words("report.flag.builtIn")
    flags = []
    if item.get("notMoving"):
        key = f"report.notMoving.{item['notMoving']}"
        flags.append(words(key) if words.has(key) else str(item["notMoving"]))
    flags += [
        words(f"report.flag.{flag}") for flag in ("fragile", "dismountable") if item.get(flag)
    ]
    if item.get("packedBy") == "customer":
        flags.append(words("report.flag.customer"))
    return ", ".join(flags)


def _source(item: dict[str, Any], words: Words, lang: str) -> str:
    """ "" for a line as detected; "main" / "hand" for one added by hand; with the detector's
    count beside it when the hand changed a count the detector gave."""
    source = item.get("source") or "detected"
    if source == "hand":
        return words("report.source.hand")
    if source == "corrected":
        detected = figures.integer(int(item.get("detectedQuantity") or 0), lang)
        return words("report.source.corrected", n=detected)
    return ""


def _item_cells(item: dict[str, Any], words: Words, lang: str) -> tuple[str, ...]:
    not_moved = bool(item.get("builtIn") or item.get("notMoving"))
    return (
        figures.item_name(item, lang),
        figures.integer(int(item.get("quantity") or 0), lang),
        figures.number(float(item.get("unitVolume_m3") or 0.0), lang, 3),
        _handling(item, words),
        _source(item, words, lang),
        "—" if not_moved else figures.number(float(item.get("packedVolume_m3") or 0), lang),
    )


def _wrap(pdf: _Document, text: str, width: float) -> list[str]:
    """`text` as the lines a cell `width` mm wide shows (at most MAX_LINES, the last cut)."""
    if pdf.get_string_width(text) <= width - 2 * pdf.c_margin:
        return [text]
    lines = pdf.multi_cell(width, LINE_H, text, dry_run=True, output="LINES")
    if len(lines) > MAX_LINES:
        rest = " ".join(lines[MAX_LINES - 1 :])
        lines = [*lines[: MAX_LINES - 1], pdf.fit(rest + "…", width - 2 * pdf.c_margin)]
    return lines or [""]


def _items_table(pdf: _Document, items: list[dict[str, Any]], room_name: str) -> None:
    words, lang = pdf.words, pdf.lang
    if not items:
        pdf.style(8.5, color=MUTED)
        pdf.paragraph(4.5, words("report.noItems"))
        return
    _table_head(pdf)
    pdf.set_draw_color(*HEAD_FILL)
    for item in items:
        not_moved = bool(item.get("builtIn") or item.get("notMoving"))
        pdf.style(8.5, color=GREYED if not_moved else INK)
        cells = _item_cells(item, words, lang)
        lines = [
            _wrap(pdf, text, width) if index in WRAPPED else [text]
            for index, (text, width) in enumerate(zip(cells, COLUMNS, strict=True))
        ]
        height = max(len(cell) for cell in lines) * LINE_H + 2 * ROW_PAD
        if pdf.room_left() < height:
            pdf.add_page()
            pdf.style(8.5, bold=True, color=MUTED)  # whose table goes on
            pdf.line_cell(pdf.epw, 5, words("report.continued", room=room_name))
            pdf.ln(5.5)
            _table_head(pdf)
            pdf.set_draw_color(*HEAD_FILL)
            pdf.style(8.5, color=GREYED if not_moved else INK)
        top, x = pdf.get_y(), pdf.l_margin
        for index, (cell, width, align) in enumerate(zip(lines, COLUMNS, ALIGNS, strict=True)):
            if index == 4:  # the source: a small accent mark
                pdf.style(7.5, bold=True, color=GREYED if not_moved else ACCENT)
            for row, text in enumerate(cell):
                pdf.set_xy(x, top + ROW_PAD + row * LINE_H)
                pdf.line_cell(width, LINE_H, text, align=align)
            if index == 4:
                pdf.style(8.5, color=GREYED if not_moved else INK)
            x += width
        pdf.line(pdf.l_margin, top + height, pdf.l_margin + sum(COLUMNS), top + height)
        pdf.set_xy(pdf.l_margin, top + height)


def _failed(pdf: _Document, snapshot: dict[str, Any]) -> None:
    words = pdf.words
    failed = [photo for photo in snapshot.get("photos") or [] if photo.get("status") == "ERROR"]
    if pdf.room_left() < 22:  # the heading and the first photo stay together
        pdf.add_page()
    pdf.ln(2)
    pdf.style(13, bold=True)
    pdf.cell(0, 7, words("report.failed"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)
    if not failed:
        pdf.style(9, color=MUTED)
        pdf.paragraph(5, words("report.noFailed"))
        return
    for photo in failed:
        if pdf.room_left() < 10:  # a name and its reason on one page
            pdf.add_page()
        pdf.style(8.5, bold=True)
        pdf.paragraph(4.3, str(photo.get("fileName") or ""))
        pdf.style(8.5, color=MUTED)
        pdf.set_x(pdf.l_margin + 4)
        reason = figures.error_reason(photo, pdf.lang)
        pdf.multi_cell(pdf.epw - 4, 4.3, reason, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)


def _excluded(pdf: _Document, snapshot: dict[str, Any]) -> None:
    """The photos the user left out of every room, by name (nothing when there is none)."""
    excluded = figures.excluded_photos(snapshot.get("photos") or [])
    if not excluded:
        return
    words = pdf.words
    if pdf.room_left() < 22:
        pdf.add_page()
    pdf.ln(3)
    pdf.style(13, bold=True)
    pdf.cell(0, 7, words("report.excludedList"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)
    pdf.style(8.5, color=MUTED)
    pdf.paragraph(4.3, " · ".join(str(photo.get("fileName") or "") for photo in excluded))
