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


@migrations()
def m003_screening_and_coding_tallies(db: Database) -> None:
    # Why: outcomes (status, conflicts, PRISMA) and agreed codes (maps) re-derived every reviewer's
    # latest vote from the whole decisions history on each read: 1,000,000 records took ~4 s for the
    # title/abstract outcome alone. These two tables hold, per record and stage (per record and
    # dimension), the tally of the current votes (answers) and the latest resolution, kept up to date
    # by triggers on the append-only tables (whoever writes: litmap, merge, imports, sqlite3), so a
    # read is one indexed scan. They are derived: nothing writes them but the triggers, and they hold
    # nothing the history tables do not (tests/test_outcome_state*.py compare them with a
    # recomputation). No status is stored: it depends on the votes a protocol requires
    # (litmap/screening/outcomes.py turns a tally into a status).
    db.execute(
        """
        create table screening_tallies (
            record_id integer not null,
            stage text not null,
            votes integer not null default 0,             -- reviewers whose current vote is not withdrawn ('undo')
            decision text,                                -- the decision every current vote shares (NULL: none, or they differ)
            decisions_differ integer not null default 0,  -- 1: current votes differ in decision
            reason text,                                  -- the reason every current vote shares ('' and NULL alike; NULL: none, or they differ)
            reasons_differ integer not null default 0,    -- 1: current votes differ in reason
            resolution text,                              -- decision of the latest resolution (NULL: not resolved)
            resolution_reason text,                       -- its reason
            primary key (stage, record_id)
        ) without rowid
        """
    )
    db.execute(
        """
        create table coding_tallies (
            record_id integer not null,
            dimension text not null,
            answers integer not null default 0,  -- coders whose current answer is not withdrawn (NULL value)
            value text,                          -- the answer (JSON) every current answer shares (NULL: none, or they differ)
            resolution text,                     -- value (JSON) of the latest coding resolution (NULL: none)
            primary key (dimension, record_id)
        ) without rowid
        """
    )
    # One recomputation per key, used by every trigger ({s}/{r}: new. or old. stage and record), so
    # that inserts, and also updates and deletes made outside litmap, keep the tallies right.
    votes = """
        insert into screening_tallies (record_id, stage, votes, decision, decisions_differ, reason, reasons_differ)
        select {r}, {s}, count(*),
               case when min(d.decision) = max(d.decision) then min(d.decision) end,
               coalesce(min(d.decision) != max(d.decision), 0),
               case when min(coalesce(d.reason, '')) = max(coalesce(d.reason, '')) then min(d.reason) end,
               coalesce(min(coalesce(d.reason, '')) != max(coalesce(d.reason, '')), 0)
        from decisions d
        where d.stage = {s} and d.record_id = {r} and d.decision != 'undo'
          and d.id = (select max(x.id) from decisions x where x.stage = d.stage and x.record_id = d.record_id and x.reviewer = d.reviewer)
        on conflict (stage, record_id) do update set votes = excluded.votes, decision = excluded.decision,
          decisions_differ = excluded.decisions_differ, reason = excluded.reason, reasons_differ = excluded.reasons_differ;
    """
    resolution = """
        insert into screening_tallies (record_id, stage, resolution, resolution_reason)
        values ({r}, {s}, (select decision from resolutions where stage = {s} and record_id = {r} order by id desc limit 1),
                (select reason from resolutions where stage = {s} and record_id = {r} order by id desc limit 1))
        on conflict (stage, record_id) do update set resolution = excluded.resolution, resolution_reason = excluded.resolution_reason;
    """
    answers = """
        insert into coding_tallies (record_id, dimension, answers, value)
        select {r}, {s}, count(*), case when min(c.value) = max(c.value) then min(c.value) end
        from codings c
        where c.dimension = {s} and c.record_id = {r} and c.value is not null
          and c.id = (select max(x.id) from codings x where x.dimension = c.dimension and x.record_id = c.record_id and x.coder = c.coder)
        on conflict (dimension, record_id) do update set answers = excluded.answers, value = excluded.value;
    """
    coding_resolution = """
        insert into coding_tallies (record_id, dimension, resolution)
        values ({r}, {s}, (select value from coding_resolutions where dimension = {s} and record_id = {r} order by id desc limit 1))
        on conflict (dimension, record_id) do update set resolution = excluded.resolution;
    """
    # A key with no history rows left (a delete outside litmap) has no tally.
    orphan_vote = """
        delete from screening_tallies where stage = {s} and record_id = {r}
          and not exists (select 1 from decisions where stage = {s} and record_id = {r})
          and not exists (select 1 from resolutions where stage = {s} and record_id = {r});
    """
    orphan_answer = """
        delete from coding_tallies where dimension = {s} and record_id = {r}
          and not exists (select 1 from codings where dimension = {s} and record_id = {r})
          and not exists (select 1 from coding_resolutions where dimension = {s} and record_id = {r});
    """
    for table, key, body, orphan in (
        ("decisions", "stage", votes, orphan_vote), ("resolutions", "stage", resolution, orphan_vote),
        ("codings", "dimension", answers, orphan_answer), ("coding_resolutions", "dimension", coding_resolution, orphan_answer),
    ):
        tally = "screening_tallies" if key == "stage" else "coding_tallies"
        new = body.format(s=f"new.{key}", r="new.record_id")
        old = body.format(s=f"old.{key}", r="old.record_id") + orphan.format(s=f"old.{key}", r="old.record_id")
        db.execute(f"create trigger {table}_{tally}_insert after insert on {table} begin {new} end")
        db.execute(f"create trigger {table}_{tally}_update after update on {table} begin {old} {new} end")
        db.execute(f"create trigger {table}_{tally}_delete after delete on {table} begin {old} end")
    # Backfill: the same rules over the whole history, grouped.
    db.execute(
        """
        insert into screening_tallies (record_id, stage, votes, decision, decisions_differ, reason, reasons_differ)
        select d.record_id, d.stage, count(*),
               case when min(d.decision) = max(d.decision) then min(d.decision) end,
               coalesce(min(d.decision) != max(d.decision), 0),
               case when min(coalesce(d.reason, '')) = max(coalesce(d.reason, '')) then min(d.reason) end,
               coalesce(min(coalesce(d.reason, '')) != max(coalesce(d.reason, '')), 0)
        from decisions d
        where d.decision != 'undo'
          and d.id = (select max(x.id) from decisions x where x.stage = d.stage and x.record_id = d.record_id and x.reviewer = d.reviewer)
        group by d.stage, d.record_id
        """
    )
    # Records whose every vote was withdrawn: a tally of no votes.
    db.execute("insert or ignore into screening_tallies (record_id, stage) select record_id, stage from decisions group by stage, record_id")
    db.execute(
        """
        insert into screening_tallies (record_id, stage, resolution, resolution_reason)
        select x.record_id, x.stage, x.decision, x.reason from resolutions x
        where x.id = (select max(l.id) from resolutions l where l.stage = x.stage and l.record_id = x.record_id)
        on conflict (stage, record_id) do update set resolution = excluded.resolution, resolution_reason = excluded.resolution_reason
        """
    )
    db.execute(
        """
        insert into coding_tallies (record_id, dimension, answers, value)
        select c.record_id, c.dimension, count(*), case when min(c.value) = max(c.value) then min(c.value) end
        from codings c
        where c.value is not null
          and c.id = (select max(x.id) from codings x where x.dimension = c.dimension and x.record_id = c.record_id and x.coder = c.coder)
        group by c.dimension, c.record_id
        """
    )
    db.execute("insert or ignore into coding_tallies (record_id, dimension) select record_id, dimension from codings group by dimension, record_id")
    db.execute(
        """
        insert into coding_tallies (record_id, dimension, resolution)
        select x.record_id, x.dimension, x.value from coding_resolutions x
        where x.id = (select max(l.id) from coding_resolutions l where l.dimension = x.dimension and l.record_id = x.record_id)
        on conflict (dimension, record_id) do update set resolution = excluded.resolution
        """
    )


@migrations()
def m004_tallies_first_vote_adds(db: Database) -> None:
    # Why: most inserts are a reviewer's first vote on a record (every row of an import, of a merge
    # of new votes), and m003 recomputed the tally from every current vote of the record, reading
    # each vote's row: merging 100,000 new votes took 2.5 s before the tallies and 4.7 s with them.
    # A first vote (or a coder's first answer) now just adds to the tally; re-votes, withdrawals and
    # re-answers still recompute (the rules of m003, unchanged).
    first_vote = ("new.decision != 'undo' and not exists (select 1 from decisions x where x.stage = new.stage "
                  "and x.record_id = new.record_id and x.reviewer = new.reviewer and x.id != new.id)")
    first_answer = ("new.value is not null and not exists (select 1 from codings x where x.dimension = new.dimension "
                    "and x.record_id = new.record_id and x.coder = new.coder and x.id != new.id)")
    db.execute("drop trigger decisions_screening_tallies_insert")
    db.execute("drop trigger codings_coding_tallies_insert")
    # Adding a vote to votes that agree keeps their decision (reason) if it is the same, else they
    # differ; votes that differ stay so. Reasons compare with NULL as '' (the reason kept is then
    # the non-NULL one, as min() over the votes gives).
    db.execute(
        f"""
        create trigger decisions_screening_tallies_first_vote after insert on decisions when {first_vote} begin
          insert into screening_tallies (record_id, stage, votes, decision, decisions_differ, reason, reasons_differ)
          values (new.record_id, new.stage, 1, new.decision, 0, new.reason, 0)
          on conflict (stage, record_id) do update set
            votes = votes + 1,
            decision = case when votes = 0 then excluded.decision
                            when decisions_differ = 0 and decision = excluded.decision then decision end,
            decisions_differ = case when votes = 0 then 0 when decisions_differ = 1 or decision != excluded.decision then 1 else 0 end,
            reason = case when votes = 0 then excluded.reason
                          when reasons_differ = 1 or coalesce(reason, '') != coalesce(excluded.reason, '') then null
                          else coalesce(reason, excluded.reason) end,
            reasons_differ = case when votes = 0 then 0
                                  when reasons_differ = 1 or coalesce(reason, '') != coalesce(excluded.reason, '') then 1 else 0 end;
        end
        """
    )
    db.execute(
        f"""
        create trigger decisions_screening_tallies_insert after insert on decisions when not ({first_vote}) begin
          insert into screening_tallies (record_id, stage, votes, decision, decisions_differ, reason, reasons_differ)
          select new.record_id, new.stage, count(*),
                 case when min(d.decision) = max(d.decision) then min(d.decision) end,
                 coalesce(min(d.decision) != max(d.decision), 0),
                 case when min(coalesce(d.reason, '')) = max(coalesce(d.reason, '')) then min(d.reason) end,
                 coalesce(min(coalesce(d.reason, '')) != max(coalesce(d.reason, '')), 0)
          from decisions d
          where d.stage = new.stage and d.record_id = new.record_id and d.decision != 'undo'
            and d.id = (select max(x.id) from decisions x where x.stage = d.stage and x.record_id = d.record_id and x.reviewer = d.reviewer)
          on conflict (stage, record_id) do update set votes = excluded.votes, decision = excluded.decision,
            decisions_differ = excluded.decisions_differ, reason = excluded.reason, reasons_differ = excluded.reasons_differ;
        end
        """
    )
    db.execute(
        f"""
        create trigger codings_coding_tallies_first_answer after insert on codings when {first_answer} begin
          insert into coding_tallies (record_id, dimension, answers, value) values (new.record_id, new.dimension, 1, new.value)
          on conflict (dimension, record_id) do update set
            answers = answers + 1,
            value = case when answers = 0 or value = excluded.value then excluded.value end;
        end
        """
    )
    db.execute(
        f"""
        create trigger codings_coding_tallies_insert after insert on codings when not ({first_answer}) begin
          insert into coding_tallies (record_id, dimension, answers, value)
          select new.record_id, new.dimension, count(*), case when min(c.value) = max(c.value) then min(c.value) end
          from codings c
          where c.dimension = new.dimension and c.record_id = new.record_id and c.value is not null
            and c.id = (select max(x.id) from codings x where x.dimension = c.dimension and x.record_id = c.record_id and x.coder = c.coder)
          on conflict (dimension, record_id) do update set answers = excluded.answers, value = excluded.value;
        end
        """
    )
