"""Where gene-block fits run: local processes (joblib's loky), or a Dask cluster."""

from __future__ import annotations

import warnings
from contextlib import ExitStack

from kgexpr.errors import KgexprError
from kgexpr.progress import console

# loky restarts a worker whose memory grew by more than 300 MB since it started (its guard against leaks; a
# worker that fitted forests for a thousand genes grows that much) and, when jobs are waiting, says so with
# this warning. The jobs are given to the new worker and nothing is lost, so users would read a false alarm.
warnings.filterwarnings("ignore", message="A worker stopped while some jobs were given to the executor",
                        category=UserWarning)


def exit_with_parent(parent: int) -> None:
    """Run in each local worker as it starts: exit once the process that started it is gone. loky's workers do not
    watch their parent, so those of a killed run stayed alive for minutes (up to their 300 s idle timeout, or longer
    when blocked sending a result nobody reads)."""
    import os
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, name="kgexpr-exit-with-parent", daemon=True).start()


def dask_backend(address: str | None):
    """joblib's Dask backend on the scheduler at ``address`` (blocks run on its workers), else local processes
    (loky) that end with the process that started them."""
    if not address:
        import os

        from joblib import parallel_config

        return parallel_config(backend="loky", initializer=exit_with_parent, initargs=(os.getpid(),))
    try:
        from dask.distributed import Client
        from joblib import parallel_config
    except ImportError as e:  # pragma: no cover - optional extra
        raise KgexprError("--dask needs the optional extra: pip install 'kgexpr[dask]'") from e
    stack = ExitStack()
    try:
        client = stack.enter_context(Client(address, timeout="10s"))
    except (OSError, TimeoutError) as e:
        raise KgexprError(f"cannot reach the Dask scheduler at {address}: {e}") from None
    n = len(client.scheduler_info().get("workers", {}))
    console.print(f"train: sending gene blocks to the Dask scheduler at {address} ({n} workers)")
    stack.enter_context(parallel_config(backend="dask"))
    return stack
