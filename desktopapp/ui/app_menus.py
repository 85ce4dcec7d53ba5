"""File → Settings… (Ctrl+,) and Help → About PhotoLot (F1), added to the main window.

    menus = AppMenus(window, file_menu)       # window.app_menus
    menus.can_restart = True                  # the composition root can relaunch PhotoLot
    menus.restartRequested.connect(...)       # the user chose "Restart now"

Both dialogs open window-modal without blocking (`QDialog.open`): the event loop, the
streams and the tests keep running while they are up.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QMenu, QMessageBox

from desktopapp.ui.about_dialog import AboutDialog
from desktopapp.ui.settings_dialog import SettingsDialog


class AppMenus(QObject):
    restartRequested = Signal()

    def __init__(self, window: Any, file_menu: QMenu) -> None:
        super().__init__(window)
        self.window = window
        self.can_restart = False
        self.settings_dialog: SettingsDialog | None = None
        self.about_dialog: AboutDialog | None = None
        self.restart_box: QMessageBox | None = None
        tr = window.tr_

        self.settings_action = self._action(tr("menu.settings"), QKeySequence("Ctrl+,"))
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.settings_action.triggered.connect(self.open_settings)
        entries = file_menu.actions()
        # … Reconnect | Settings… | Quit: before the separator that precedes Quit
        before = entries[-2] if len(entries) >= 2 and entries[-2].isSeparator() else None
        if before is not None:
            file_menu.insertSeparator(before)
            file_menu.insertAction(before, self.settings_action)
        else:
            file_menu.addAction(self.settings_action)

        help_menu = window.menuBar().addMenu(tr("menu.help"))
        self.about_action = self._action(tr("menu.about"), QKeySequence(Qt.Key.Key_F1))
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.open_about)
        help_menu.addAction(self.about_action)
        self.help_menu = help_menu

    def _action(self, text: str, shortcut: QKeySequence) -> QAction:
        action = QAction(text, self.window)
        action.setShortcut(shortcut)
        action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.window.addAction(action)
        shortcuts = getattr(self.window, "actions_by_shortcut", None)
        if isinstance(shortcuts, dict):
            shortcuts[action.shortcut().toString()] = action
        return action

    # -- Settings -----------------------------------------------------------------------------
    def open_settings(self) -> SettingsDialog:
        if self.settings_dialog is not None and self.settings_dialog.isVisible():
            self.settings_dialog.raise_()
            self.settings_dialog.activateWindow()
            return self.settings_dialog
        api = getattr(self.window, "api", None)
        dialog = SettingsDialog(
            self.window.tr_,
            parent=self.window,
            check_model=api.check_model if api is not None else None,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda result, d=dialog: self._settings_done(d, result))
        dialog.destroyed.connect(lambda: setattr(self, "settings_dialog", None))
        self.settings_dialog = dialog
        dialog.open()
        return dialog

    def _settings_done(self, dialog: SettingsDialog, result: int) -> None:
        if result != QDialog.DialogCode.Accepted:
            return
        tr = self.window.tr_
        if not dialog.changed:
            self.window.banner.show_message("info", tr("settings.unchanged"), timeout_ms=4000)
            return
        if not self.can_restart:
            self.window.banner.show_message("success", tr("settings.saved"), timeout_ms=10000)
            return
        box = QMessageBox(self.window)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(tr("settings.restartTitle"))
        box.setText(tr("settings.restartTitle"))
        box.setInformativeText(tr("settings.restartBody"))
        now = box.addButton(tr("settings.restartNow"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(tr("settings.restartLater"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(now)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(_result: int) -> None:
            self.restart_box = None
            if box.clickedButton() is now:
                self.restartRequested.emit()
            else:
                self.window.banner.show_message("success", tr("settings.saved"), timeout_ms=10000)

        box.finished.connect(answered)
        self.restart_box = box
        box.open()

    # -- About ------------------------------------------------------------------------------
    def open_about(self) -> AboutDialog:
        if self.about_dialog is not None and self.about_dialog.isVisible():
            self.about_dialog.raise_()
            self.about_dialog.activateWindow()
            return self.about_dialog
        window = self.window
        dialog = AboutDialog(
            window.tr_,
            window.data_dir,
            window.api.base_url,
            window.services.open_url,
            parent=window,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda: setattr(self, "about_dialog", None))
        self.about_dialog = dialog
        dialog.open()
        return dialog
