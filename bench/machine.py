"""What a benchmark ran on: CPUs and the thread settings of BLAS, for the header of its table."""
import os
import platform

import numpy as np

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def thread_report():
    """Lines naming numpy, Python, the CPU count, the thread variables and the BLAS/OpenMP pools in use."""
    variables = "   ".join(f"{v}={os.environ.get(v, 'unset')}" for v in THREAD_VARIABLES)
    lines = [f"numpy {np.__version__}, Python {platform.python_version()}, {platform.machine()}",
             f"cpus: {os.cpu_count()}   {variables}"]
    try:
        from threadpoolctl import threadpool_info
        pools = [f"{p['internal_api']} {p.get('version') or ''}: {p['num_threads']} threads"
                 for p in threadpool_info()]
        lines.append("BLAS/OpenMP pools in use (threadpoolctl): " + ("; ".join(pools) or "none found"))
    except ImportError:
        lines.append("threadpoolctl not installed: BLAS thread count not reported")
    return lines
