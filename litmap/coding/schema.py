"""Schema migrations of the coding area (registered on litmap.migrations.migrations)."""

from __future__ import annotations

from sqlite_utils import Database

from litmap.migrations import migrations


@migrations()
def m_coding_001_codebooks_and_codings(db: Database) -> None:
    # Codebook history: the current codebook is the latest row (like protocols).
    db.execute(
        """
        create table codebooks (
            id integer primary key,
            loaded_at text not null,
            file text,
            sha256 text not null,
            content text not null                -- the TOML text as loaded
        )
        """
    )
    # Codings: append-only. A coder's current answer for a record and dimension is their latest
    # row; `value` is a JSON array of strings (codes, ISO alpha-2 countries, a number, a text);
    # `[]` means "answered: nothing applies / not reported"; NULL withdraws the answer (undo).
    db.execute(
        """
        create table codings (
            id integer primary key,
            uid text not null unique,
            record_id integer not null references records(id),
            dimension text not null,
            value text,
            coder text not null,
            created_at text not null
        )
        """
    )
    db.execute("create index codings_latest on codings(dimension, record_id, coder, id)")
    db.execute("create index codings_coder on codings(coder, record_id, id)")
    # Adjudications of coding conflicts: the latest row for a record and dimension wins.
    db.execute(
        """
        create table coding_resolutions (
            id integer primary key,
            uid text not null unique,
            record_id integer not null references records(id),
            dimension text not null,
            value text not null,
            resolved_by text not null,
            created_at text not null
        )
        """
    )
    db.execute("create index coding_resolutions_latest on coding_resolutions(dimension, record_id, id)")
    # Current answer per record, dimension and coder (a NULL row withdraws the answer).
    db.execute(
        """
        create view current_codings as
        select c.record_id, c.dimension, c.coder, c.value, c.created_at
        from codings c
        join (select max(id) as id from codings group by dimension, record_id, coder) latest
          on latest.id = c.id
        where c.value is not null
        """
    )
