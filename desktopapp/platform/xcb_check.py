"""Before the window: are the X11 libraries Qt's xcb platform needs installed?

Without them Qt aborts with "Could not load the Qt platform plugin "xcb"" and a wall of
text; a person needs the one line that names what to install. Qt ≥ 6.5 needs
libxcb-cursor0 on top of what most desktops already have. The check only runs where Qt
would pick xcb (Linux, `QT_QPA_PLATFORM` unset or xcb, an X display or no Wayland one).
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable, Mapping

# soname → (Debian/Ubuntu package, Fedora package)
XCB_LIBRARIES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
}


def uses_xcb(environ: Mapping[str, str], platform: str = sys.platform) -> bool:
    if not platform.startswith("linux"):
        return False
    requested = environ.get("QT_QPA_PLATFORM", "")
    if requested:
        return requested.split(":")[0] == "xcb"
    # Qt prefers Wayland when a Wayland session says so; otherwise it takes xcb
    return not environ.get("WAYLAND_DISPLAY")


def _loads(soname: str) -> bool:
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def missing_xcb_libraries(loads: Callable[[str], bool] = _loads) -> list[str]:
    return [soname for soname in XCB_LIBRARIES if not loads(soname)]


def missing_xcb_message(missing: list[str]) -> str:
    debian = " ".join(dict.fromkeys(XCB_LIBRARIES[s][0] for s in missing))
    fedora = " ".join(dict.fromkeys(XCB_LIBRARIES[s][1] for s in missing))
    return (
        f"photolot: the window needs X11 libraries that are missing ({', '.join(missing)}). "
        f"Install them: on Debian/Ubuntu `sudo apt install {debian}`, "
        f"on Fedora `sudo dnf install {fedora}`; or run `photolot --headless` and use the "
        "browser page."
    )
