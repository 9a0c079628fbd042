"""Where gene-block fits run: local processes (joblib's loky), or a Dask cluster."""

from __future__ import annotations

from contextlib import ExitStack, nullcontext

from kgexpr.errors import KgexprError
from kgexpr.progress import console


def dask_backend(address: str | None):
    """joblib's Dask backend on the scheduler at ``address`` (a no-op without one): blocks run on its workers."""
    if not address:
        return nullcontext()
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
