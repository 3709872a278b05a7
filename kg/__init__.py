"""kg: build, query and explore knowledge graphs from Chinese local-governance news.

The data flows one way, one package per stage: kg.read (ingest, clean, normalise) →
kg.extract → kg.graph → kg.store (store, query) → kg.explore (viz); kg.build
orchestrates and kg.cli is the command line (docs/architecture.md).
"""

import os

__version__ = "0.1.0"

#: Environment variables that size the BLAS/OpenMP thread pools of numpy and thinc.
THREAD_VARIABLES = (
    "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
)


def limit_threads() -> None:
    """One BLAS/OpenMP thread per process, unless the user chose otherwise.

    kg runs in parallel by processes (``--workers``, Dask), and the NER's
    matrices are small: a second BLAS thread per process competes with the
    other processes and costs more than it gives (a 100-document build took
    12% longer with numpy's default threads on the 2-vCPU benchmark machine).
    Must run before numpy is imported, so it runs when kg is imported; a value
    already set in the environment is kept.
    """
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, "1")


limit_threads()
