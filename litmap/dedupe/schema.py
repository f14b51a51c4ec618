"""Schema migrations of this area (registered on litmap.migrations.migrations)."""

from __future__ import annotations

from sqlite_utils import Database

from litmap.migrations import migrations


@migrations()
def m_dedupe_001_runs_pairs_events(db: Database) -> None:
    # One row per `litmap dedupe` run: what was compared (records up to max_record_id) and the counts.
    db.execute(
        """
        create table dedupe_runs (
            id integer primary key,
            started_at text not null,
            finished_at text,
            mode text not null check (mode in ('all', 'incremental')),
            max_record_id integer not null,     -- records with id <= this were compared by this run
            records integer not null default 0,
            candidates integer not null default 0,
            merged integer not null default 0,
            queued integer not null default 0,
            seconds real,
            settings text not null default '{}'
        )
        """
    )
    # Pairs worth remembering: merged automatically, queued for a human, or decided by one.
    # record_a < record_b. `scores` is the evidence (JSON of field scores), `rule` what decided.
    # status: queued (waiting for a human), merged (rule), same / different (human),
    # rejected (was merged, then unmerged): different and rejected pairs never merge again.
    db.execute(
        """
        create table dedupe_pairs (
            id integer primary key,
            record_a integer not null references records(id),
            record_b integer not null references records(id),
            scores text not null default '{}',
            rule text not null,
            status text not null check (status in ('queued', 'merged', 'rejected', 'same', 'different')),
            decided_by text,
            decided_at text,
            run_id integer references dedupe_runs(id),
            unique (record_a, record_b),
            check (record_a < record_b)
        )
        """
    )
    db.execute("create index dedupe_pairs_status on dedupe_pairs(status, id)")
    db.execute("create index dedupe_pairs_b on dedupe_pairs(record_b)")
    # Append-only log of every change to records.duplicate_of and every pair decision, so each
    # merge can be explained and undone. action: merge (record now points at root), unmerge
    # (record canonical again), decide (a pair's status changed).
    db.execute(
        """
        create table dedupe_events (
            id integer primary key,
            action text not null check (action in ('merge', 'unmerge', 'decide')),
            record_id integer references records(id),
            root_before integer,
            root_after integer,
            pair_id integer references dedupe_pairs(id),
            status_before text,
            status_after text,
            by text not null,
            run_id integer references dedupe_runs(id),
            note text,
            created_at text not null
        )
        """
    )
    db.execute("create index dedupe_events_record on dedupe_events(record_id, id)")
    db.execute("create index dedupe_events_pair on dedupe_events(pair_id, id)")
