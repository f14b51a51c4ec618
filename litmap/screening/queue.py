"""A reviewer's queue: the records they still have to screen at a stage, in order."""

from __future__ import annotations

from sqlite_utils import Database

from litmap.screening.outcomes import TA, outcome_sql, stage_name
from litmap.screening.protocol import protocol_or_default

_NOT_VOTED = """
not exists (select 1 from decisions v where v.record_id = o.record_id and v.stage = :stage and v.reviewer = :reviewer
            and v.decision != 'undo'
            and v.id = (select max(x.id) from decisions x where x.stage = v.stage and x.record_id = v.record_id
                        and x.reviewer = v.reviewer))
"""


def calibration_ids(db: Database, size: int) -> list[int]:
    """The calibration sample: the first `size` canonical records (by id), screened by every reviewer."""
    if size <= 0:
        return []
    sql = f"select record_id from ({outcome_sql(TA)}) order by record_id limit :size"
    return [int(r[0]) for r in db.execute(sql, {"required": 2, "size": size})]


def reviewer_queue(db: Database, stage: str, reviewer: str, required: int | None = None) -> list[int]:
    """The records `reviewer` still has to screen at `stage`: in scope, not resolved, fewer current
    votes than required, not voted on by them; by record id. With a protocol calibration sample, its
    records come first at title/abstract and every reviewer screens them (whatever the vote count)."""
    stage = stage_name(stage)
    protocol = protocol_or_default(db)
    required = required or protocol.votes_required
    params = {"required": required, "stage": stage, "reviewer": reviewer}
    sql = f"""
    select o.record_id from ({outcome_sql(stage)}) o
    where o.resolved = 0 and o.votes < :required and {_NOT_VOTED}
    order by o.record_id
    """
    ids = [int(r[0]) for r in db.execute(sql, params)]
    if stage != TA or not protocol.calibration_sample:
        return ids
    sample = calibration_ids(db, protocol.calibration_sample)
    if not sample:
        return ids
    marks = ", ".join(str(i) for i in sample)
    open_sample = [int(r[0]) for r in db.execute(
        f"select o.record_id from ({outcome_sql(stage)}) o where o.record_id in ({marks}) and o.resolved = 0 and {_NOT_VOTED} "
        "order by o.record_id", params)]
    first = set(open_sample)
    return open_sample + [i for i in ids if i not in first]
