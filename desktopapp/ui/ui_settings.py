"""What the window remembers between runs, in `<data-dir>/ui.ini` (never elsewhere).

Window geometry, the splitter position, the batch shown last, and the folder the last
export went to (the next export's dialog opens there).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings


class UiSettings:
    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / "ui.ini"
        self._settings = QSettings(str(self.path), QSettings.Format.IniFormat)

    def _bytes(self, key: str) -> QByteArray | None:
        value = self._settings.value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    @property
    def geometry(self) -> QByteArray | None:
        return self._bytes("window/geometry")

    @geometry.setter
    def geometry(self, value: QByteArray) -> None:
        self._settings.setValue("window/geometry", value)

    @property
    def splitter(self) -> QByteArray | None:
        return self._bytes("window/splitter")

    @splitter.setter
    def splitter(self, value: QByteArray) -> None:
        self._settings.setValue("window/splitter", value)

    @property
    def last_batch(self) -> int | None:
        value = self._settings.value("batch/last")
        try:
            return int(value) if value not in (None, "") else None
        except (TypeError, ValueError):
            return None

    @last_batch.setter
    def last_batch(self, batch_id: int | None) -> None:
        if batch_id is None:
            self._settings.remove("batch/last")
        else:
            self._settings.setValue("batch/last", int(batch_id))

    @property
    def export_dir(self) -> str | None:
        value = self._settings.value("export/folder")
        return value if isinstance(value, str) and value else None

    @export_dir.setter
    def export_dir(self, folder: str | None) -> None:
        if folder:
            self._settings.setValue("export/folder", str(folder))
        else:
            self._settings.remove("export/folder")

    def sync(self) -> None:
        self._settings.sync()
