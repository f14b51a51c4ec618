"""The store's schema history. One function per change, never edited once released.

The store is a public interface (users read it with sqlite3 and Datasette), so tables and columns
are named for what they hold, and derived numbers live in views or in one pure function.
Each area registers its own migrations in its `schema.py`, imported at the bottom in a fixed order.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("litmap")


@migrations()
def m001_sources_and_records(db: Database) -> None:
    # sources: one row per imported file, with the PRISMA arm (`kind`) its records count in.
    db.execute(
        """
        create table sources (
            id integer primary key,
            name text not null,
            kind text not null default 'database'
                check (kind in ('database', 'register', 'website', 'organisation', 'citation', 'other')),
            file text,
            format text not null,
            sha256 text,
            query text,
            searched_on text,
            imported_at text not null,
            records integer not null default 0,
            unique_within integer not null default 0  -- 1: records of this source are never merged with each other
        )
        """
    )
    db.execute("create index sources_sha256 on sources(sha256)")
    # records: never deleted. Normalised columns for use; `raw` keeps every original field.
    db.execute(
        """
        create table records (
            id integer primary key,
            source_id integer not null references sources(id),
            position integer not null,           -- 1-based order in its file
            line integer,                        -- line where it starts in its file, if known
            source_key text,
            type text,
            title text,
            abstract text,
            authors text not null default '[]',  -- JSON array of "Family, Given"
            year integer,
            journal text,
            volume text,
            issue text,
            pages text,
            doi text,
            pmid text,
            isbn text,
            url text,
            keywords text not null default '[]', -- JSON array
            language text,
            raw text not null,                   -- JSON object of every original field
            duplicate_of integer references records(id)
        )
        """
    )
    db.execute("create index records_source on records(source_id)")
    db.execute("create index records_doi on records(doi) where doi is not null")
    db.execute("create index records_duplicate_of on records(duplicate_of) where duplicate_of is not null")
    # Full-text search, filled by the importer in batches (records' text never changes after import).
    db["records"].enable_fts(
        ["title", "abstract", "keywords"], fts_version="FTS5", tokenize="unicode61 remove_diacritics 2",
        create_triggers=False,
    )


@migrations()
def m002_screening(db: Database) -> None:
    # Protocol history: the current protocol is the latest row.
    db.execute(
        """
        create table protocols (
            id integer primary key,
            loaded_at text not null,
            file text,
            content text not null                -- the TOML text as loaded
        )
        """
    )
    # Votes: append-only; a reviewer's current vote at a stage is their latest row.
    # `uid` identifies a row across copies of a store (litmap merge is idempotent on it).
    db.execute(
        """
        create table decisions (
            id integer primary key,
            uid text not null unique,
            record_id integer not null references records(id),
            stage text not null check (stage in ('title-abstract', 'full-text')),
            reviewer text not null,
            decision text not null check (decision in ('include', 'exclude', 'maybe', 'undo')),
            reason text,
            note text,
            created_at text not null
        )
        """
    )
    db.execute("create index decisions_stage_record on decisions(stage, record_id, reviewer, id)")
    db.execute("create index decisions_reviewer on decisions(reviewer, stage, id)")
    # Adjudications of conflicts: the latest row for a record and stage wins.
    db.execute(
        """
        create table resolutions (
            id integer primary key,
            uid text not null unique,
            record_id integer not null references records(id),
            stage text not null check (stage in ('title-abstract', 'full-text')),
            decision text not null check (decision in ('include', 'exclude')),
            reason text,
            resolved_by text not null,
            note text,
            created_at text not null
        )
        """
    )
    db.execute("create index resolutions_stage_record on resolutions(stage, record_id, id)")
    # Retrieval of full texts for records included at title/abstract: latest row wins.
    db.execute(
        """
        create table retrievals (
            id integer primary key,
            uid text not null unique,
            record_id integer not null references records(id),
            retrieved integer not null check (retrieved in (0, 1)),
            file text,
            reason text,
            by text,
            created_at text not null
        )
        """
    )
    db.execute("create index retrievals_record on retrievals(record_id, id)")
    # Records removed before screening (PRISMA: by automation tools, or for other reasons).
    db.execute(
        """
        create table removals (
            id integer primary key,
            uid text not null unique,
            record_id integer not null references records(id),
            kind text not null check (kind in ('automation', 'other')),
            reason text,
            by text,
            created_at text not null,
            undone integer not null default 0
        )
        """
    )
    db.execute("create index removals_record on removals(record_id)")
    # Free notes a reviewer leaves on a record while screening.
    db.execute(
        """
        create table notes (
            id integer primary key,
            uid text not null unique,
            record_id integer not null references records(id),
            stage text not null,
            reviewer text not null,
            text text not null,
            created_at text not null
        )
        """
    )
    db.execute("create index notes_record on notes(record_id)")
    # Un-blinding of a stage by the lead: after it, reviewers see each other's votes.
    db.execute(
        """
        create table unblindings (
            id integer primary key,
            stage text not null,
            by text not null,
            created_at text not null
        )
        """
    )
    # Current vote per record, stage and reviewer (an 'undo' row withdraws the vote).
    db.execute(
        """
        create view current_votes as
        select d.record_id, d.stage, d.reviewer, d.decision, d.reason, d.note, d.created_at
        from decisions d
        join (
            select max(id) as id from decisions group by record_id, stage, reviewer
        ) latest on latest.id = d.id
        where d.decision != 'undo'
        """
    )


# Each area's schema, in the order its migrations apply. Do not reorder.
import litmap.dedupe.schema  # noqa: E402,F401
import litmap.reports.schema  # noqa: E402,F401
import litmap.coding.schema  # noqa: E402,F401
