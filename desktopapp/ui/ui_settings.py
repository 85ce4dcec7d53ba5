"""What the window remembers between runs, in `<data-dir>/ui.ini` (never elsewhere).

Window geometry, the splitter position, and the batch shown last.
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

    def sync(self) -> None:
        self._settings.sync()
