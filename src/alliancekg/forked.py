"""Work done beside the caller in a forked copy of the process, where the system can fork.

>>> wait = beside(lambda: sum(range(10)), fork=True)
>>> wait()
45
"""

from __future__ import annotations

import os
import pickle
import signal
import traceback
from collections.abc import Callable
from typing import Any

__all__ = ["beside"]


def beside(compute: Callable[[], Any], *, fork: bool) -> Callable[..., Any]:
    """Run ``compute`` in a forked copy of the process (when ``fork`` and the system can), so it
    uses the second core while the caller goes on; the function returned waits for its result
    (or, with ``cancel=True``, stops it). Otherwise compute it now."""
    if not fork or not hasattr(os, "fork"):
        result = compute()

        def computed(*, cancel: bool = False) -> Any:
            return result
        return computed
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # the forked copy: compute, send the result, leave at once
        os.close(reading)
        status = 1
        try:
            with os.fdopen(writing, "wb") as pipe:
                pickle.dump(compute(), pipe, protocol=pickle.HIGHEST_PROTOCOL)
            status = 0
        except BaseException:  # noqa: BLE001 - reported through the exit status
            traceback.print_exc()
        finally:
            os._exit(status)
    os.close(writing)

    def wait(*, cancel: bool = False) -> Any:
        if cancel:
            os.kill(child, signal.SIGKILL)
        with os.fdopen(reading, "rb") as pipe:
            data = pipe.read()  # before waiting, so a full pipe cannot block the child
        _, status = os.waitpid(child, 0)
        if cancel:
            return None
        if status != 0:
            raise RuntimeError(f"the forked computation failed (exit status {status})")
        return pickle.loads(data)
    return wait
