"""The interactive screen (`litmap screen`, `litmap resolve --interactive`) driven with real keys.

Keys are fed through stdin (CliRunner `input=`), which the command reads character by character when
stdin is not a terminal; one test runs the real executable in a pseudo-terminal.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from litmap.screening.session import ScreeningSession, match_reason
from litmap.screening.view import Card, Criteria, Screen, highlight, keyword_pattern, screen_text
from litmap.store import now, open_store, write

TA, FT = "title-abstract", "full-text"

RECORDS = [
    ("Online risks for children and adolescents", "Children online meet risks. Adult participants were excluded.", ["internet", "children"]),
    ("Cyberbullying among adolescents: a survey", "A survey of 2,000 adolescents about cyberbullying.", ["cyberbullying"]),
    ("Older adults and email use", "Elderly adults use email more than before.", ["email"]),
    ("Sexual solicitation of youth online", "A national survey of youth internet users.", ["solicitation"]),
    ("Video games and aggression", "A meta-analysis of experimental studies.", ["games"]),
]


def build_store(path: Path, records=RECORDS) -> list[int]:
    """A store with one source and `records` (title, abstract, keywords); returns their ids."""
    db = open_store(path)
    with write(db):
        db.execute(
            "insert into sources (name, kind, file, format, imported_at, records) values ('Scopus', 'database', 'scopus.ris', 'ris', ?, ?)",
            [now(), len(records)],
        )
        ids = []
        for n, (title, abstract, keywords) in enumerate(records, 1):
            cur = db.execute(
                "insert into records (source_id, position, source_key, title, abstract, authors, year, journal, keywords, raw) "
                "values (1, ?, ?, ?, ?, ?, ?, ?, ?, '{}')",
                [n, f"key{n}", title, abstract, json.dumps(["Mitchell, Kimberly J.", "Wolak, Janis"]), 2000 + n,
                 "Journal of Adolescent Health", json.dumps(keywords)],
            )
            ids.append(cur.lastrowid)
    db.close()
    return ids


def add_vote(path: Path, record_id: int, stage: str, reviewer: str, decision: str, reason: str | None = None, note: str | None = None) -> None:
    db = open_store(path)
    with write(db):
        db.execute(
            "insert into decisions (uid, record_id, stage, reviewer, decision, reason, note, created_at) values (?, ?, ?, ?, ?, ?, ?, ?)",
            [uuid.uuid4().hex, record_id, stage, reviewer, decision, reason, note, now()],
        )
    db.close()


def current(path: Path, reviewer: str, stage: str = TA) -> dict[int, tuple[str, str | None]]:
    db = open_store(path)
    rows = db.execute(
        "select record_id, decision, reason from current_votes where reviewer = ? and stage = ?", [reviewer, stage]
    ).fetchall()
    db.close()
    return {r[0]: (r[1], r[2]) for r in rows}


def history(path: Path, reviewer: str, stage: str = TA) -> list[tuple[int, str]]:
    db = open_store(path)
    rows = db.execute("select record_id, decision from decisions where reviewer = ? and stage = ? order by id", [reviewer, stage]).fetchall()
    db.close()
    return [(r[0], r[1]) for r in rows]


def screens(output: str) -> list[str]:
    """The screens printed one after another (non-TTY mode); each starts with the header line."""
    parts = output.split("litmap screen · ")
    return ["litmap screen · " + p for p in parts[1:]]


@pytest.fixture
def store(db_path: Path) -> list[int]:
    return build_store(db_path)


def test_keys_store_votes_in_queue_order(litmap, db_path, store):
    result = litmap.ok("screen", "--reviewer", "alice", input="iem")
    assert current(db_path, "alice") == {store[0]: ("include", None), store[1]: ("exclude", None), store[2]: ("maybe", None)}
    out = result.stdout
    assert "1 of 5" in out and "4 of 5" in out
    assert "Online risks for children and adolescents" in out
    assert "3 vote(s) this session (1 include, 1 exclude, 1 maybe)" in out  # summary after EOF


def test_each_key_press_is_committed_at_once(litmap, db_path, store):
    # EOF in the middle: what was pressed is stored, with nothing pending in a transaction.
    litmap.ok("screen", "--reviewer", "alice", input="i")
    assert history(db_path, "alice") == [(store[0], "include")]


def test_quit_then_resume_at_first_unvoted_record(litmap, db_path, store):
    litmap.ok("screen", "--reviewer", "alice", input="iiq" + "iiii")  # keys after q are never read
    assert set(current(db_path, "alice")) == {store[0], store[1]}
    result = litmap.ok("screen", "--reviewer", "alice", input="q")
    first = screens(result.stdout)[0]
    assert "Older adults and email use" in first
    assert "1 of 3" in first and "2 done" in first
    assert "Stopped at record" in result.stdout


def test_skip_leaves_record_in_queue(litmap, db_path, store):
    litmap.ok("screen", "--reviewer", "alice", input="si")
    assert current(db_path, "alice") == {store[1]: ("include", None)}
    result = litmap.ok("screen", "--reviewer", "alice", input="q")
    assert "Online risks for children" in screens(result.stdout)[0]


def test_undo_goes_back_and_withdraws_the_vote(litmap, db_path, store):
    result = litmap.ok("screen", "--reviewer", "alice", input="ieu")
    assert current(db_path, "alice") == {store[0]: ("include", None)}
    assert history(db_path, "alice") == [(store[0], "include"), (store[1], "exclude"), (store[1], "undo")]
    last = screens(result.stdout)[-2]  # the screen after u (the last one is the summary)
    assert "Cyberbullying among adolescents" in last and "withdrawn" in last
    # a new session resumes at record 2; voting there again: the new vote stands, history keeps all
    litmap.ok("screen", "--reviewer", "alice", input="m")
    assert history(db_path, "alice")[-2:] == [(store[1], "undo"), (store[1], "maybe")]
    assert current(db_path, "alice") == {store[0]: ("include", None), store[1]: ("maybe", None)}


def test_undo_after_skip_returns_without_writing(litmap, db_path, store):
    litmap.ok("screen", "--reviewer", "alice", input="sui")
    assert history(db_path, "alice") == [(store[0], "include")]


def test_undo_in_a_new_session_withdraws_the_latest_vote(litmap, db_path, store):
    litmap.ok("screen", "--reviewer", "alice", input="ie")
    result = litmap.ok("screen", "--reviewer", "alice", input="uu")
    assert current(db_path, "alice") == {}
    assert "Online risks for children" in screens(result.stdout)[-2]
    result = litmap.ok("screen", "--reviewer", "alice", input="u")
    assert "nothing to undo" in result.stdout


def test_note_is_stored_and_shown_to_its_author(litmap, db_path, store):
    result = litmap.ok("screen", "--reviewer", "alice", input="nCheck the age range\ri")
    db = open_store(db_path)
    assert db.execute("select record_id, stage, reviewer, text from notes").fetchall() == [(store[0], TA, "alice", "Check the age range")]
    db.close()
    assert current(db_path, "alice") == {store[0]: ("include", None)}
    assert "note saved" in result.stdout
    # Enter alone cancels a note
    litmap.ok("screen", "--reviewer", "alice", input="n\rm")
    db = open_store(db_path)
    assert db.execute("select count(*) from notes").fetchone()[0] == 1
    db.close()


def test_blind_until_unblinded(litmap, db_path, store):
    add_vote(db_path, store[0], TA, "bob", "exclude", note="bobs secret opinion")
    db = open_store(db_path)
    with write(db):
        db.execute("insert into notes (uid, record_id, stage, reviewer, text, created_at) values ('n1', ?, ?, 'bob', 'bob note', ?)", [store[0], TA, now()])
    db.close()
    out = litmap.ok("screen", "--reviewer", "alice", input="q").stdout
    assert "bob" not in out.lower().replace("bobs", "")
    assert "secret" not in out and "bob note" not in out
    db = open_store(db_path)
    with write(db):
        db.execute("insert into unblindings (stage, by, created_at) values (?, 'lead', ?)", [TA, now()])
    db.close()
    out = litmap.ok("screen", "--reviewer", "alice", input="q").stdout
    assert "bob: exclude" in out and "bob note" in out and "unblinded" in out


def test_records_with_enough_votes_are_not_offered(litmap, db_path, store):
    add_vote(db_path, store[0], TA, "bob", "include")
    add_vote(db_path, store[0], TA, "carol", "include")
    add_vote(db_path, store[1], TA, "bob", "include")
    out = litmap.ok("screen", "--reviewer", "alice", input="q").stdout
    first = screens(out)[0]
    assert "Cyberbullying among adolescents" in first and "1 of 4" in first


def _full_text_store(db_path: Path, store: list[int]) -> None:
    """Records 1-3 included at title/abstract by two reviewers and retrieved."""
    for rid in store[:3]:
        add_vote(db_path, rid, TA, "bob", "include")
        add_vote(db_path, rid, TA, "carol", "include")
    db = open_store(db_path)
    with write(db):
        for rid in store[:3]:
            db.execute("insert into retrievals (uid, record_id, retrieved, created_at) values (?, ?, 1, ?)", [uuid.uuid4().hex, rid, now()])
    db.close()


def test_full_text_exclude_needs_a_reason(litmap, db_path, store):
    _full_text_store(db_path, store)
    # Enter alone cancels the exclusion; nothing is stored; then a typed reason is stored.
    result = litmap.ok("screen", "--reviewer", "alice", "--stage", "ft", input="e\reWrong population\r")
    assert current(db_path, "alice", FT) == {store[0]: ("exclude", "Wrong population")}
    assert "needs a reason" in result.stdout
    assert "3 done" not in result.stdout and "1 of 3" in result.stdout


def test_full_text_reason_from_protocol_list(litmap, db_path, store, tmp_path):
    _full_text_store(db_path, store)
    protocol = _protocol(tmp_path)
    litmap.ok("protocol", "load", protocol)
    result = litmap.ok("screen", "--reviewer", "alice", "--stage", "full-text", input="e2" + "ewrong p\r" + "eno such\r\x1bi")
    assert current(db_path, "alice", FT) == {
        store[0]: ("exclude", "Wrong study design"),
        store[1]: ("exclude", "Wrong population"),
        store[2]: ("include", None),
    }
    assert "no single reason matches 'no such'" in result.stdout
    assert " 1  Wrong population" in result.stdout  # the numbered list is on screen


def _protocol(tmp_path: Path) -> Path:
    path = tmp_path / "protocol.toml"
    path.write_text(
        '''title = "Online risks for young people"
question = "What online risks do children and adolescents meet?"
reviewers = ["alice", "bob"]
adjudicators = ["carol"]
inclusion = ["Children or adolescents (under 18)", "Online risk exposure"]
exclusion = ["Adults only", "Not empirical"]
include_keywords = ["child*", "adolescen*", "online"]
exclude_keywords = ["adult*", "elderly"]
ft_reasons = ["Wrong population", "Wrong study design", "Wrong outcome"]
''',
        encoding="utf-8",
    )
    return path


def test_protocol_criteria_on_screen_and_unknown_reviewer_refused(litmap, db_path, store, tmp_path):
    litmap.ok("protocol", "load", _protocol(tmp_path))
    out = litmap.ok("screen", "--reviewer", "alice", input="q").stdout
    assert "Include if" in out and "Children or adolescents (under 18)" in out and "Not empirical" in out
    result = litmap("screen", "--reviewer", "mallory", input="i")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: 'mallory' is not a reviewer in the protocol")
    assert history(db_path, "mallory") == []


def test_markup_escapes_and_huge_abstract_render_safely(litmap, db_path):
    nasty = [
        ("[bold]Not bold[/bold] [in press] \x1b[2J\x1b]0;pwned\x07 title", "Abstract [link=http://x]y[/link] \x1b[31mred\x1b[0m :smile:", ["[kw]"]),
        ("Long one", "word " * 10_000, []),
    ]
    build_store(db_path, nasty)
    result = litmap("screen", "--reviewer", "alice", input="i", env={"LINES": "30"})
    assert result.exit_code == 0
    out = result.stdout
    assert "\x1b" not in out and "\x07" not in out
    assert "[bold]Not bold[/bold] [in press]" in out
    assert "[link=http://x]y[/link]" in out and ":smile:" in out and "[kw]" in out
    second = screens(out)[1]
    assert "… abstract 1–" in second and "of 49,999 characters" in second
    assert len(second.splitlines()) <= 31


def test_space_pages_a_long_abstract(db_path):
    build_store(db_path, [("Long", " ".join(f"w{n}" for n in range(5000)), [])])
    db = open_store(db_path)
    s = ScreeningSession(db, "alice", TA)
    first = screen_text(s.screen(), width=80, height=24)
    s.press(" ")
    second = screen_text(s.screen(), width=80, height=24)
    assert "page 1 of" in first and "page 2 of" in second
    assert "w0 w1 w2" in first and "w0 w1 w2" not in second
    db.close()


def test_keyword_highlighting_whole_words_and_prefixes():
    crit = Criteria(include_keywords=("child*", "online"), exclude_keywords=("adult",))
    from rich.text import Text

    t = highlight(Text("Children online, childhood; adults and an adult ONLINE."), crit)
    lit = sorted((t.plain[s.start:s.end], str(s.style)) for s in t.spans)
    assert lit == [("Children", "bold green"), ("ONLINE", "bold green"), ("adult", "bold red"), ("childhood", "bold green"), ("online", "bold green")]
    assert keyword_pattern(()) is None
    assert keyword_pattern(("  ", "*")) is None


def test_match_reason():
    reasons = ("Wrong population", "Wrong study design", "Not retrievable")
    assert match_reason("2", reasons) == "Wrong study design"
    assert match_reason("wrong s", reasons) == "Wrong study design"
    assert match_reason("wrong", reasons) is None  # ambiguous
    assert match_reason("retriev", reasons) == "Not retrievable"
    assert match_reason("4", reasons) is None and match_reason("", reasons) is None


def test_screenshot_text():
    card = Card(
        id=12, title="Online requests for sex: [in press] a national survey of youth", authors=["Mitchell, Kimberly J.", "Finkelhor, David", "Wolak, Janis"],
        year=2007, journal="Journal of Adolescent Health",
        abstract="Purpose: To describe online sexual solicitation of children and adolescents. Methods: a telephone survey of 1,500 youth internet users aged 10 to 17. Adult respondents were excluded.",
        keywords=["internet", "adolescents", "sexual solicitation"], doi="10.1016/j.jadohealth.2007.01.004", source="Scopus: Mitchell2007",
    )
    crit = Criteria(include=("Children or adolescents (under 18)",), exclude=("Adults only",), include_keywords=("adolescen*", "child*"), exclude_keywords=("adult*",))
    text = screen_text(Screen(title="screen · title-abstract · alice", card=card, position=3, total=120, criteria=crit, done=2), width=100, height=30)
    assert "3 of 120" in text and "[in press]" in text and "Include if" in text
    assert text.splitlines()[0].startswith("litmap screen · title-abstract · alice")


def test_screen_in_a_real_pseudo_terminal(db_path, store):
    import pty

    exe = Path(sys.executable).parent / "litmap"
    if not exe.exists():
        pytest.skip("the litmap executable is not installed in this environment")
    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": "100", "LINES": "40", "TERM": "xterm-256color"}
    proc = subprocess.Popen([str(exe), "--db", str(db_path), "screen", "--reviewer", "alice"],
                            stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True, start_new_session=True)
    os.close(slave)
    seen = b""

    def read_until(needle: bytes, timeout: float = 20.0) -> None:
        nonlocal seen
        end = time.monotonic() + timeout
        while needle not in seen:
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{needle!r} not seen; got {seen[-2000:]!r}")
            ready, _, _ = select.select([master], [], [], left)
            if ready:
                try:
                    seen += os.read(master, 65536)
                except OSError:
                    break

    try:
        read_until(b"Online risks for children")
        os.write(master, b"i")
        read_until(b"Cyberbullying among adolescents")
        os.write(master, b"e")
        read_until(b"Older adults and email use")
        os.write(master, b"q")
        read_until(b"vote(s) this session")
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    assert b"\x1b[2J" in seen  # the screen is cleared on a terminal
    assert current(db_path, "alice") == {store[0]: ("include", None), store[1]: ("exclude", None)}
