"""Child processes that end with their parent, even when it is killed with SIGKILL, and never see Ctrl-C.

On Linux a child asks the kernel to kill it when its parent dies
(``prctl(PR_SET_PDEATHSIG)``, which also survives ``exec``); elsewhere a daemon thread
of the child polls the parent's process id. Children started inside
:func:`children_without_ctrl_c` inherit a blocked SIGINT, so only the parent handles Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

PR_SET_PDEATHSIG = 1
"""``prctl`` option: the signal a process receives when its parent dies (Linux)."""


def end_with_parent(parent: int) -> bool:
    """Ask the kernel to kill this process with SIGKILL when its parent dies (Linux only).

    The request survives ``exec``, so it also serves as the ``preexec_fn`` of a subprocess.

    Args:
        parent: Process id of the parent.

    Returns:
        Whether the request was made (False on other systems).
    """
    if sys.platform != "linux":
        return False
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request
        os._exit(1)
    return True


def die_with_parent(parent: int) -> None:
    """Make this process end as soon as its parent ``parent`` is gone.

    On Linux the kernel sends SIGKILL when the parent dies (:func:`end_with_parent`);
    elsewhere a daemon thread polls the parent's id twice a second.

    Args:
        parent: Process id of the parent.
    """
    if end_with_parent(parent):
        return

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="qgeo-parent-watch", daemon=True).start()


@contextmanager
def children_without_ctrl_c(tracker: bool = True) -> Iterator[None]:
    """Start child processes inside the block that never receive Ctrl-C, while this process still does.

    This thread blocks SIGINT inside the block. The processes and threads started here inherit
    the blocked signal (through ``fork`` and ``exec``), so a Ctrl-C (which the terminal sends to
    every process of the group) never interrupts a helper, not even one still importing, and
    the parent stops them itself. A Ctrl-C that arrives inside the block is held, not lost: it
    is raised as ``KeyboardInterrupt`` as soon as the block ends. Where signals cannot be
    blocked (not POSIX), the block does nothing.

    Args:
        tracker: Start multiprocessing's resource tracker first (for children that are spawned,
            not forked): starting it unblocks SIGINT in the thread that does.

    Yields:
        Nothing.
    """
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    if tracker:
        from multiprocessing import resource_tracker

        resource_tracker.ensure_running()
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
