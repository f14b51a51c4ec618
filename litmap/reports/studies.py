"""Reports grouped into studies: PRISMA counts "studies included" and "reports of included studies".

A report is a canonical record. Linking records puts them (and every report already linked to any of
them) into one study, named by its lowest record id. The table `study_links` is append-only: a
record's current study is its latest row, and an `unlink` row takes it out. A record never linked is
a study of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlite_utils import Database

from litmap.errors import LitmapError, NotFoundError
from litmap.store import now, write

# Current study of every linked record (latest row per record, unless it is an unlink).
CURRENT_LINKS_SQL = """
select l.record_id, l.study_id from study_links l
where l.id = (select max(x.id) from study_links x where x.record_id = l.record_id)
  and l.action = 'link'
"""


@dataclass(frozen=True, slots=True)
class StudyReport:
    record_id: int
    title: str | None
    year: int | None


@dataclass(frozen=True, slots=True)
class Study:
    study_id: int
    reports: tuple[StudyReport, ...]


@dataclass(frozen=True, slots=True)
class LinkResult:
    study_id: int
    members: tuple[int, ...]
    changed: tuple[int, ...]  # records whose study changed with this call


def current_links(db: Database) -> dict[int, int]:
    """record id -> study id for every record currently linked into a study."""
    return {int(r): int(s) for r, s in db.execute(CURRENT_LINKS_SQL)}


def _check_records(db: Database, ids: Iterable[int]) -> list[int]:
    wanted = sorted(set(int(i) for i in ids))
    if not wanted:
        raise LitmapError("no record ids given; name the records, e.g. `litmap study link 12 15`")
    found: dict[int, int | None] = {}
    for chunk_start in range(0, len(wanted), 500):
        chunk = wanted[chunk_start : chunk_start + 500]
        marks = ",".join("?" * len(chunk))
        for rid, dup in db.execute(f"select id, duplicate_of from records where id in ({marks})", chunk):
            found[int(rid)] = dup
    for rid in wanted:
        if rid not in found:
            raise NotFoundError(f"record {rid}: no such record; see `litmap search` or `litmap show`")
        if found[rid] is not None:
            raise LitmapError(
                f"record {rid}: is a duplicate of record {found[rid]}; link the canonical record {found[rid]} instead"
            )
    return wanted


def link(db: Database, ids: Iterable[int], *, by: str | None = None) -> LinkResult:
    """Put the records `ids` (and every report already in a study with any of them) into one study.

    Transactional; idempotent (linking records already together changes nothing). Raises
    NotFoundError for an unknown id and LitmapError for fewer than two records or a duplicate record.
    """
    wanted = _check_records(db, ids)
    links = current_links(db)
    studies = {links[r] for r in wanted if r in links}
    members = set(wanted) | {r for r, s in links.items() if s in studies}
    if len(members) < 2:
        raise LitmapError("a study needs at least two reports; name two or more record ids")
    study_id = min(members)
    changed = sorted(r for r in members if links.get(r) != study_id)
    if changed:
        at = now()
        with write(db):
            db.conn.executemany(
                "insert into study_links (record_id, study_id, action, by, created_at) values (?, ?, 'link', ?, ?)",
                [(r, study_id, by, at) for r in changed],
            )
    return LinkResult(study_id, tuple(sorted(members)), tuple(changed))


def unlink(db: Database, ids: Iterable[int], *, by: str | None = None) -> list[int]:
    """Take the records `ids` out of their studies (each becomes a study of its own again).

    Transactional. Raises LitmapError, changing nothing, if a record is not linked to a study. A study
    left with a single report is dissolved too (a study of one report needs no link).
    """
    wanted = _check_records(db, ids)
    links = current_links(db)
    for rid in wanted:
        if rid not in links:
            raise LitmapError(f"record {rid}: is not linked to a study; nothing to unlink (see `litmap study list`)")
    out = set(wanted)
    for study in {links[r] for r in wanted}:
        left = [r for r, s in links.items() if s == study and r not in out]
        if len(left) == 1:
            out.add(left[0])
    at = now()
    with write(db):
        db.conn.executemany(
            "insert into study_links (record_id, study_id, action, by, created_at) values (?, ?, 'unlink', ?, ?)",
            [(r, links[r], by, at) for r in sorted(out)],
        )
    return sorted(out)


def studies(db: Database) -> list[Study]:
    """Every study with more than one report, by study id, with its reports by record id."""
    groups: dict[int, list[StudyReport]] = {}
    sql = f"""
    select c.study_id, r.id, r.title, r.year from ({CURRENT_LINKS_SQL}) c
    join records r on r.id = c.record_id
    order by c.study_id, r.id
    """
    for study_id, rid, title, year in db.execute(sql):
        groups.setdefault(int(study_id), []).append(StudyReport(int(rid), title, year))
    return [Study(s, tuple(reps)) for s, reps in groups.items()]
