"""Child processes that end with their parent, even when the parent is killed with SIGKILL.

On Linux a child asks the kernel to kill it when its parent dies
(``prctl(PR_SET_PDEATHSIG)``, which also survives ``exec``); elsewhere a daemon thread
of the child polls the parent's process id.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

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
