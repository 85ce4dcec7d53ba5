"""Which photo failures can change on a retry, and which cannot."""

from __future__ import annotations

# Failures that the same file gives again whatever the retries: not a picture, a format
# PhotoLot does not read, too large or too small. A corrupt or truncated file may still be
# copying (a download, a cloud sync) and a missing or unreadable one may come back: those,
# and storage or internal errors, are worth a retry.
PERMANENT_ERRORS = frozenset(
    {"empty_file", "not_an_image", "unsupported", "too_large", "too_small"}
)
