"""Raise the soft limit of open files as far as the hard limit allows (up to 65,536).

Every stream and every connection is a file descriptor; the usual soft limit of 1,024
was reached by 1,100 idle sockets (the connection guard bounds those too)."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

WANTED = 65_536


def raise_open_file_limit(wanted: int = WANTED) -> int | None:
    """The soft limit now, None where the platform has no such limit (Windows)."""
    try:
        import resource
    except ImportError:
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(hard, wanted)
    if soft == resource.RLIM_INFINITY or soft >= target:
        return soft
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ValueError, OSError):
        log.info("could not raise the open-file limit from %s", soft, exc_info=True)
        return soft
    return target
