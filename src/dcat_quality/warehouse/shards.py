"""Runs loaded by several processes (Kubernetes Indexed Jobs): the shards of one run.

A sharded run is found by its key (e.g. the Job name): the first shard to come creates
it, the others join it; each loads the pages of its index and records itself in
``run_shards``; the shard that finishes last publishes the run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from dcat_quality.errors import WarehouseError
from dcat_quality.warehouse._sql import SchemaSession, lock_key
from dcat_quality.warehouse.runs import NewRun, Reuse, RunCounts, insert_run
from dcat_quality.warehouse.versions import clear_shard


@dataclass(frozen=True)
class Shard:
    """This process loads the pages ``index``, ``index + count``, … of the run ``key``."""

    key: str
    index: int
    count: int

    def __post_init__(self) -> None:
        if not self.key:
            raise WarehouseError("a sharded run needs a run key (e.g. the Kubernetes Job name)")
        if not 0 <= self.index < self.count:
            raise WarehouseError(
                f"shard index {self.index} is out of range for {self.count} shards (0…)"
            )


def _lock_shard_run(db: SchemaSession, shard: Shard) -> None:
    db.conn.execute(
        "SELECT pg_advisory_xact_lock(%s)", (lock_key("shard:" + shard.key, db.schema),)
    )


def join_sharded_run(
    db: SchemaSession, shard: Shard, run: NewRun, on_created: Callable[[int], object]
) -> int:
    """Create the run of ``shard.key`` if no shard did yet (``on_created`` then prepares
    it, in the same transaction), and register this shard; the run's id."""
    with db.errors("could not start the shard"), db.conn.transaction():
        _lock_shard_run(db, shard)
        row = db.conn.execute(
            db.sql("SELECT run_id, status, shard_count FROM {schema}.runs WHERE run_key = %s"),
            (shard.key,),
        ).fetchone()
        if row is None:
            run_id = insert_run(db, replace(run, run_key=shard.key, shard_count=shard.count))
            on_created(run_id)
        else:
            run_id, status, count = int(row[0]), str(row[1]), row[2]
            if status != "running":
                raise WarehouseError(
                    f"the run of key {shard.key!r} is already {status} (run {run_id}): "
                    "use a new run key for a new run"
                )
            if count != shard.count:
                raise WarehouseError(
                    f"the run of key {shard.key!r} has {count} shards, not {shard.count}"
                )
        clear_shard(db, run_id, shard.index)
        done = db.conn.execute(
            db.sql("SELECT status FROM {schema}.run_shards WHERE run_id = %s AND shard_index = %s"),
            (run_id, shard.index),
        ).fetchone()
        if done is not None and done[0] == "succeeded":
            raise WarehouseError(
                f"shard {shard.index} of run {run_id} ({shard.key!r}) is already loaded"
            )
        db.conn.execute(
            db.sql(
                "INSERT INTO {schema}.run_shards (run_id, shard_index, status)"
                " VALUES (%s, %s, 'running') ON CONFLICT (run_id, shard_index) DO UPDATE"
                " SET status = 'running', started_at = now(), finished_at = NULL,"
                " error = NULL"
            ),
            (run_id, shard.index),
        )
    return run_id


def record_shard_done(
    db: SchemaSession, run_id: int, shard: Shard, counts: RunCounts, reuse: Reuse
) -> tuple[RunCounts, Reuse] | None:
    """Record this shard as loaded, in the caller's transaction; the counts of the whole
    run when it was the last shard (the caller then publishes), else None."""
    _lock_shard_run(db, shard)
    db.conn.execute(
        db.sql(
            "UPDATE {schema}.run_shards SET status = 'succeeded',"
            " finished_at = now(), pages_read = %s, pages_rejected = %s,"
            " datasets_read = %s, datasets_loaded = %s, datasets_rejected = %s,"
            " pages_skipped = %s, datasets_reused = %s"
            " WHERE run_id = %s AND shard_index = %s"
        ),
        (*counts.values(), reuse.pages_skipped, reuse.datasets_reused, run_id, shard.index),
    )
    total = db.conn.execute(
        db.sql(
            "SELECT count(*), sum(pages_read), sum(pages_rejected),"
            " sum(datasets_read), sum(datasets_loaded), sum(datasets_rejected),"
            " sum(pages_skipped), sum(datasets_reused)"
            " FROM {schema}.run_shards WHERE run_id = %s AND status = 'succeeded'"
        ),
        (run_id,),
    ).fetchone()
    assert total is not None
    if int(total[0]) < shard.count:
        return None
    values = [int(value or 0) for value in total[1:]]
    return RunCounts(*values[:5]), Reuse(*values[5:])


def record_shard_failure(db: SchemaSession, run_id: int, shard: Shard, error: str) -> None:
    """Record the shard as failed; the run stays open for a retry of that shard."""
    with db.errors(f"could not record the failure of shard of run {run_id}"):
        db.conn.execute(
            db.sql(
                "UPDATE {schema}.run_shards SET status = 'failed', error = %s,"
                " finished_at = now() WHERE run_id = %s AND shard_index = %s"
            ),
            (error, run_id, shard.index),
        )
