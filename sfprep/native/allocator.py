"""Let glibc keep freed chunk-sized buffers for reuse instead of unmapping them.

Every 8 MiB chunk allocates arrays of a few MiB (spans, masks, views). glibc serves blocks
above its mmap threshold (128 KiB by default) with a fresh mmap and unmaps them on free, so
each chunk paid for its memory again in page faults: a third of a big file's lint time was
the kernel zeroing pages. Raising the threshold to its maximum (32 MiB on 64-bit) and the
trim threshold above one chunk's working set keeps those pages in the heap, where the next
chunk reuses them. Peak memory stays flat: the same few chunks' worth is recycled, in one
arena for all threads.
"""
from __future__ import annotations

import sys

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8
MMAP_THRESHOLD = 32 << 20
TRIM_THRESHOLD = 128 << 20
_tuned = False


def reuse_freed_memory() -> None:
    """Tune glibc's malloc once per process; a no-op elsewhere (musl, macOS, Windows)."""
    global _tuned
    if _tuned or not sys.platform.startswith("linux"):
        return
    _tuned = True
    import ctypes

    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return
    mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    # One arena for every thread: each thread's own (the scan's, the value stage's) would
    # keep its freed chunk buffers too, up to the trim threshold each.
    mallopt(_M_ARENA_MAX, 1)
