"""Worker threads yield the CPU to the window: they run at a lower OS priority.

The window, the local server and the workers share one process. When all of them want
the CPU (a batch processing on every core), the OS scheduler decides who waits; with
equal priorities the GUI thread waited behind the workers and the window stuttered.
A lower priority for the workers only matters when the CPU is contended: on an idle
machine they run as fast as before, and other programs stay responsive too.

Per thread: Linux applies `setpriority` to a thread id; Windows has
`SetThreadPriority`; macOS has QoS classes (utility = long-running user-visible work).
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
import threading

log = logging.getLogger(__name__)

NICE_INCREMENT = 10  # Linux: nice 0 → 10, about a tenth of the CPU share under contention
_WINDOWS_BELOW_NORMAL = -1  # THREAD_PRIORITY_BELOW_NORMAL
_MACOS_QOS_CLASS_UTILITY = 0x11


def lower_current_thread_priority() -> bool:
    """Lower the calling thread's scheduling priority; False if the platform refused."""
    try:
        if sys.platform.startswith("linux"):
            tid = threading.get_native_id()
            nice = os.getpriority(os.PRIO_PROCESS, tid)
            os.setpriority(os.PRIO_PROCESS, tid, min(19, nice + NICE_INCREMENT))
            return True
        if sys.platform == "win32":
            kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
            thread = kernel32.GetCurrentThread()
            return bool(kernel32.SetThreadPriority(thread, _WINDOWS_BELOW_NORMAL))
        if sys.platform == "darwin":
            libc = ctypes.CDLL(None)
            return libc.pthread_set_qos_class_self_np(_MACOS_QOS_CLASS_UTILITY, 0) == 0
    except (OSError, AttributeError) as exc:
        log.info("could not lower the worker thread's priority: %s", exc)
    return False
