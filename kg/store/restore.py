"""Restoring a damaged store from the TriG export every build writes (``kg restore``)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pyoxigraph as ox

from kg.base.fsutil import is_disk_full
from kg.base.vocab import DATA_BASE
from kg.errors import DiskFullError, StoreError
from kg.store.graphstore import REBUILD_UNION_UPDATE, STORE_DIRNAME, store_path
from kg.store.trig import TRIG_FILENAME

#: Where ``kg restore`` moves a damaged store, so that nothing is deleted.
DAMAGED_PREFIX = "store.damaged-"


def restore_store(build_dir: Path | str) -> tuple[int, Path | None]:
    """Rebuild ``DIR/store/`` from ``DIR/graph.trig``; return (documents, where the old store went).

    Why this can work: every build writes ``graph.trig`` with every named
    graph (the documents and the merges) after its last store write, so it
    is a complete copy of the store's content; the union (the default graph)
    is recomputed from it. The new store is loaded beside the old one and
    swapped in only when complete; the old one is kept as
    ``DIR/store.damaged-N`` for inspection and can be deleted. A next build
    reads the restored store as it would the original: the documents it
    holds are skipped, new ones added.
    """
    build_dir = Path(build_dir)
    trig = build_dir / TRIG_FILENAME
    if not trig.is_file():
        raise StoreError(
            f"{trig} is missing, so the store cannot be restored; rebuild from the inputs "
            f"with `kg build INPUT... -o {build_dir}` into a new directory"
        )
    location = store_path(build_dir)
    fresh = build_dir / f"{STORE_DIRNAME}.restoring"
    shutil.rmtree(fresh, ignore_errors=True)
    try:
        store = ox.Store(str(fresh))
        try:
            store.bulk_load(path=str(trig), format=ox.RdfFormat.TRIG)
            store.update(REBUILD_UNION_UPDATE)
            store.flush()
            documents = sum(1 for g in store.named_graphs() if isinstance(g, ox.NamedNode)
                            and g.value.startswith(f"{DATA_BASE}doc/"))
        finally:
            del store
    except SyntaxError as exc:
        shutil.rmtree(fresh, ignore_errors=True)
        raise StoreError(f"{trig} is not valid TriG ({exc}); it cannot restore the store") from exc
    except (OSError, RuntimeError) as exc:
        shutil.rmtree(fresh, ignore_errors=True)
        if is_disk_full(exc):
            raise DiskFullError(
                f"the disk holding {build_dir} is full; free space and re-run `kg restore`"
            ) from exc
        raise StoreError(f"cannot restore the store in {location}: {exc}") from exc
    moved = None
    if location.exists():
        number = 1
        while (build_dir / f"{DAMAGED_PREFIX}{number}").exists():
            number += 1
        moved = build_dir / f"{DAMAGED_PREFIX}{number}"
        os.replace(location, moved)
    os.replace(fresh, location)
    return documents, moved
