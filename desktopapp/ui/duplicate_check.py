"""Before a drop becomes a batch: were these very files imported already?

    check = DuplicateCheck(api, translator, window, name_of=lambda batch_id: "Maison Dupont")
    check.check(paths, create=..., open_batch=..., cancel=...)

It asks `POST /api/batches/lookup` {"paths"} (the newest batch made of exactly these
files). When there is one, a window-modal question (never a nested event loop):

    ┌ Photos déjà importées ─────────────────────────────────────────┐
    │ ⚠ Ces photos sont déjà dans le lot #12 (« Maison Dupont »).      │
    │   Ouvrir ce lot, ou les importer quand même dans un nouveau lot ? │
    │                [Annuler]  [Importer quand même]  [Ouvrir le lot]  │
    └──────────────────────────────────────────────────────────────────┘

Exactly one of the three callbacks runs. When the server cannot say (an older server
without the route, an error), the photos are imported: the question is a convenience,
never a reason to refuse a drop.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from desktopapp.ui.api_client import ApiClient, ApiResult
from desktopapp.ui.i18n import Translator


class DuplicateDialog(QMessageBox):
    def __init__(
        self,
        translator: Translator,
        batch_id: int,
        name: str | None,
        photos: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        tr = translator
        self.batch_id = batch_id
        self.setIcon(QMessageBox.Icon.Question)
        self.setWindowTitle(tr("dup.title"))
        self.setTextFormat(Qt.TextFormat.PlainText)  # the batch's name is the user's text
        if name:
            self.setText(tr("dup.textNamed", id=batch_id, name=name))
        else:
            self.setText(tr("dup.text", id=batch_id))
        self.setInformativeText(tr("dup.info", n=photos))
        self.cancel_button = self.addButton(tr("dialog.cancel"), QMessageBox.ButtonRole.RejectRole)
        self.import_button: QPushButton = self.addButton(
            tr("dup.import"), QMessageBox.ButtonRole.ActionRole
        )
        self.open_button: QPushButton = self.addButton(
            tr("dup.open"), QMessageBox.ButtonRole.AcceptRole
        )
        self.setDefaultButton(self.open_button)
        self.setEscapeButton(self.cancel_button)
        self.setWindowModality(Qt.WindowModality.WindowModal)


class DuplicateCheck(QObject):
    def __init__(
        self,
        api: ApiClient,
        translator: Translator,
        parent: QWidget,
        name_of: Callable[[int], str | None] = lambda _batch_id: None,
    ) -> None:
        super().__init__(parent)
        self._api = api
        self._tr = translator
        self._window = parent
        self._name_of = name_of
        self.dialog: DuplicateDialog | None = None  # the question shown now (tests answer it)
        self._closed = False

    def check(
        self,
        paths: list[str],
        create: Callable[[list[str]], None],
        open_batch: Callable[[int], None],
        cancel: Callable[[], None],
    ) -> None:
        self._api.lookup_batch(
            paths, lambda result: self._answered(paths, result, create, open_batch, cancel)
        )

    def close(self) -> None:
        self._closed = True
        if self.dialog is not None:
            self.dialog.close()

    def _answered(
        self,
        paths: list[str],
        result: ApiResult,
        create: Callable[[list[str]], None],
        open_batch: Callable[[int], None],
        cancel: Callable[[], None],
    ) -> None:
        if self._closed:
            return
        data = result.data if result.ok and isinstance(result.data, dict) else {}
        found = data.get("batchId")
        if not isinstance(found, int) or isinstance(found, bool):
            create(paths)  # new files, or a server that cannot tell: import
            return
        photos = int(data.get("photosCount") or 0)
        box = DuplicateDialog(self._tr, found, self._name_of(found), photos, self._window)
        self.dialog = box
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(button) -> None:
            if self.dialog is box:
                self.dialog = None
            if self._closed:
                return
            if button is box.open_button:
                open_batch(found)
            elif button is box.import_button:
                create(paths)
            else:
                cancel()

        box.buttonClicked.connect(answered)
        box.open()


__all__ = ["DuplicateCheck", "DuplicateDialog"]
