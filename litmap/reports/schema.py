"""Schema migrations of this area (registered on litmap.migrations.migrations)."""

from __future__ import annotations

from sqlite_utils import Database

from litmap.migrations import migrations


@migrations()
def m_reports_001_prisma_counts_and_study_links(db: Database) -> None:
    # History of a review's PRISMA flow: every `litmap prisma` run appends one row per box (same
    # run_at for the whole run). `n` is the box's number (the sum for list boxes); `text` holds the
    # list boxes in the PRISMA2020 "Name, n; Name, n" form.
    db.execute(
        """
        create table prisma_counts (
            id integer primary key,
            run_at text not null,
            key text not null,
            n integer,
            text text
        )
        """
    )
    db.execute("create index prisma_counts_run on prisma_counts(run_at, key)")
    # Reports grouped into studies (PRISMA counts studies and reports separately). Append-only: a
    # record's current study is its latest row; action 'unlink' takes it out of any study.
    # study_id is the id of the record that names the study (the lowest id when it was formed).
    db.execute(
        """
        create table study_links (
            id integer primary key,
            record_id integer not null references records(id),
            study_id integer not null references records(id),
            action text not null check (action in ('link', 'unlink')),
            by text,
            created_at text not null
        )
        """
    )
    db.execute("create index study_links_record on study_links(record_id, id)")
