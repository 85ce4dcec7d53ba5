"""The window's words in French and English: the catalogue the web page and the PDF report
read too (`resources/i18n/strings.json`, loaded by `desktopapp.platform.i18n`).

tr = Translator.for_locale(lang)        # "fr", "en", or None: the system locale
tr("conn.live", time="14:02:11")         # "Temps réel actif · mis à jour 14:02:11"
tr("n.photos", n=2)                      # "2 photos" (plural forms chosen by n)
tr.room("living_room"); tr.status("PARTIAL"); tr.photo_error(code, message)
install_qt_translations("fr")           # Qt's own dialogs and buttons in French
"""

from __future__ import annotations

import locale as _locale
import os

from desktopapp.platform.i18n import LANGUAGES, Words

SUPPORTED = LANGUAGES


def language_from(names: list[str]) -> str:
    """The first meaningful locale name decides: 'fr' for French, else 'en'."""
    for name in names:
        code = (name or "").lower().replace("-", "_").split(".")[0].split("_")[0]
        if code in SUPPORTED:
            return code
        if code and code not in ("c", "posix"):
            return "en"
    return "en"


def system_language() -> str:
    """'fr' when the system prefers French, else 'en'."""
    from PySide6.QtCore import QLocale

    system = QLocale.system()
    names = [*system.uiLanguages(), system.name()]
    names += [os.environ.get("LC_ALL", ""), os.environ.get("LANG", "")]
    names.append(_locale.getlocale()[0] or "")
    return language_from(names)


class Translator(Words):
    """The catalogue (`platform.i18n.Words`) in the window's language, with its number formats."""

    @classmethod
    def for_locale(cls, lang: str | None = None) -> Translator:
        return cls(lang if lang in SUPPORTED else system_language())

    def photo_status(self, status: str | None) -> str:
        return self(f"photo.{status}") if status else ""

    def number(self, value: float, decimals: int = 0) -> str:
        text = f"{value:,.{decimals}f}"
        if self.lang == "fr":
            text = text.replace(",", "\u202f").replace(".", ",")
        return text

    def volume(self, m3: float, decimals: int | None = None) -> str:
        """ "5,25 m³"; one decimal when that is exact, unless `decimals` is fixed (columns)."""
        value = float(m3 or 0)
        if decimals is None:
            decimals = 1 if abs(value - round(value, 1)) < 1e-9 else 2
        return f"{self.number(value, decimals)} m³"

    def percent(self, value: int) -> str:
        return f"{value}\u202f%" if self.lang == "fr" else f"{value}%"


_qt_translators: dict[str, object] = {}  # the installed QTranslator, kept alive, by language


def install_qt_translations(lang: str) -> bool:
    """Qt's own words (QFileDialog, QMessageBox's standard buttons, the context menus of
    text fields) in `lang`: qtbase_<lang>.qm from Qt's translations folder (PySide6 ships
    them; build.spec bundles the French and English ones). English is Qt's own language:
    choosing it removes the French translator. True when Qt now speaks `lang`."""
    from PySide6.QtCore import QCoreApplication, QLibraryInfo, QTranslator

    app = QCoreApplication.instance()
    if app is None:
        return False
    for other in [name for name in _qt_translators if name != lang]:
        app.removeTranslator(_qt_translators.pop(other))  # type: ignore[arg-type]
    if lang == "en" or lang in _qt_translators:
        return True
    import PySide6

    translator = QTranslator(app)
    folders = (  # Qt's own folder (a frozen binary's too), then the PySide6 wheel's
        QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath),
        os.path.join(os.path.dirname(PySide6.__file__), "Qt", "translations"),
    )
    if not any(translator.load(f"qtbase_{lang}", folder) for folder in folders):
        return False
    app.installTranslator(translator)
    _qt_translators[lang] = translator
    return True
