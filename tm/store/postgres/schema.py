"""The PostgreSQL schema: SQLite's tables at version 13 as one baseline, then forward migrations.

The PostgreSQL engine was born at the SQLite schema's version 13, so a new memory gets that
state in one step and later versions are entries of MIGRATIONS, numbered as SQLite's are
(a version means the same tables on both engines). Text columns use the "C" collation so
sorting and comparing match SQLite's byte order whatever the database's locale; JSON stays
text (what was written is read back); times are the store's ISO strings, as on SQLite.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import TYPE_CHECKING, Any

import psycopg

from tm.errors import StoreError

if TYPE_CHECKING:
    from tm.store.postgres.db import Database

BASELINE_VERSION = 13

_BASELINE = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE units (
    id BIGSERIAL PRIMARY KEY,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    source_lang TEXT NOT NULL,
    target_lang TEXT NOT NULL,
    source_norm TEXT NOT NULL,
    source_hash BIGINT NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('human', 'mt', 'import')),
    mt_draft TEXT,
    author TEXT,
    context TEXT,
    meta TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    status TEXT NOT NULL DEFAULT 'confirmed' CHECK (status IN ('confirmed', 'approved')),
    reviewer TEXT,
    provenance TEXT,
    target_words TSVECTOR NOT NULL DEFAULT ''
);
CREATE INDEX units_source_hash ON units (source_hash);
CREATE INDEX units_target_words ON units USING GIN (target_words);
CREATE TABLE history (
    id BIGSERIAL PRIMARY KEY,
    unit_id BIGINT NOT NULL,
    version INTEGER NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete')),
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    origin TEXT NOT NULL,
    mt_draft TEXT,
    author TEXT,
    at TEXT NOT NULL,
    meta TEXT NOT NULL DEFAULT '{}',
    token BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'confirmed',
    reviewer TEXT,
    provenance TEXT,
    qa_override TEXT
);
CREATE INDEX history_unit ON history (unit_id, id);
CREATE TABLE terms (
    id BIGSERIAL PRIMARY KEY,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    source_norm TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    forbidden TEXT NOT NULL DEFAULT '[]',
    enforce INTEGER NOT NULL DEFAULT 0,
    author TEXT,
    created_at TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'approved' CHECK (status IN ('proposed', 'approved')),
    reviewed_by TEXT
);
CREATE UNIQUE INDEX terms_pair ON terms (source_norm, target);
CREATE TABLE mt_cache (
    model TEXT NOT NULL,
    source_norm TEXT NOT NULL,
    output TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (model, source_norm)
);
CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'translator', 'reviewer')),
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);
CREATE TABLE documents (
    id BIGSERIAL PRIMARY KEY,
    title TEXT NOT NULL,
    owner TEXT NOT NULL,
    layout TEXT NOT NULL,
    words INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('translating', 'ready', 'failed')),
    progress INTEGER NOT NULL DEFAULT 0,
    total INTEGER NOT NULL DEFAULT 0,
    note TEXT,
    created_at TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    job_id BIGINT,
    translator TEXT,
    reviewer TEXT,
    deadline TEXT,
    priority TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('normal', 'high', 'urgent')),
    stage TEXT NOT NULL DEFAULT 'new' CHECK (stage IN ('new', 'translating', 'in review', 'done')),
    format TEXT NOT NULL DEFAULT 'text'
);
CREATE TABLE segments (
    document_id BIGINT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    paragraph INTEGER NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    draft TEXT NOT NULL DEFAULT '',
    origin TEXT NOT NULL DEFAULT 'none',
    score INTEGER,
    unit_id BIGINT,
    mt_draft TEXT,
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'confirmed', 'approved')),
    version INTEGER NOT NULL DEFAULT 1,
    repeat_of INTEGER,
    info TEXT NOT NULL DEFAULT '{}',
    changed_by TEXT,
    changed_at TEXT,
    source_key BIGINT NOT NULL DEFAULT 0,
    provenance TEXT,
    rejected_by TEXT,
    PRIMARY KEY (document_id, idx)
);
CREATE INDEX segments_key ON segments (document_id, source_key);
CREATE TABLE jobs (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    owner TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    params TEXT NOT NULL DEFAULT '{}',
    done INTEGER NOT NULL DEFAULT 0,
    total INTEGER NOT NULL DEFAULT 0,
    result TEXT,
    error TEXT,
    worker TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    heartbeat_at TEXT
);
CREATE INDEX jobs_state ON jobs (state, id);
CREATE TABLE sessions (
    id BIGSERIAL PRIMARY KEY,
    digest TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_seen ON sessions (seen_at);
CREATE TABLE segment_history (
    id BIGSERIAL PRIMARY KEY,
    document_id BIGINT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    version INTEGER NOT NULL,
    target TEXT NOT NULL,
    status TEXT NOT NULL,
    action TEXT NOT NULL,
    author TEXT,
    at TEXT NOT NULL
);
CREATE INDEX segment_history_seg ON segment_history (document_id, idx, id);
CREATE TABLE comments (
    id BIGSERIAL PRIMARY KEY,
    document_id BIGINT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    thread_id BIGINT NOT NULL,
    author TEXT NOT NULL,
    body TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'comment' CHECK (kind IN ('comment', 'rejection')),
    created_at TEXT NOT NULL,
    resolved_by TEXT,
    resolved_at TEXT
);
CREATE INDEX comments_segment ON comments (document_id, idx, id);
CREATE INDEX comments_thread ON comments (thread_id, id);
CREATE TABLE tokens (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    digest TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
);
CREATE INDEX tokens_user ON tokens (user_id);
CREATE TABLE webhooks (
    id BIGSERIAL PRIMARY KEY,
    owner TEXT NOT NULL,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    document_id BIGINT REFERENCES documents (id) ON DELETE CASCADE,
    secret TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);
CREATE INDEX webhooks_owner ON webhooks (owner);
CREATE TABLE deliveries (
    id BIGSERIAL PRIMARY KEY,
    webhook_id BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at TEXT NOT NULL,
    last_status INTEGER,
    last_error TEXT,
    created_at TEXT NOT NULL,
    delivered_at TEXT
);
CREATE INDEX deliveries_due ON deliveries (state, next_at);
CREATE INDEX deliveries_hook ON deliveries (webhook_id, id);
CREATE TABLE editing_time (
    document_id BIGINT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    author TEXT NOT NULL,
    day TEXT NOT NULL,
    ms BIGINT NOT NULL DEFAULT 0 CHECK (ms >= 0),
    PRIMARY KEY (document_id, idx, author, day)
);
CREATE INDEX editing_time_author ON editing_time (author, day);
CREATE TABLE document_files (
    document_id BIGINT PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    data BYTEA NOT NULL
)
"""

# Versions after the baseline, keyed by the version they move to; never edit one once released.
MIGRATIONS: dict[int, str] = {
    # wrong passwords per name and address, so that every server process slows guessing down
    14: """
CREATE TABLE login_failures (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    ip TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (name, ip, at);
CREATE INDEX login_failures_at ON login_failures (at)
""",
    # a job's input file, kept with it so that a worker on any machine can read it
    15: """
CREATE TABLE job_files (
    job_id BIGINT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    data BYTEA NOT NULL,
    PRIMARY KEY (job_id, seq)
)
""",
}

SCHEMA_VERSION = BASELINE_VERSION + len(MIGRATIONS)

# Every table this engine makes, children first (tests empty them; nothing else uses the list)
TABLES = (
    "job_files login_failures document_files editing_time deliveries webhooks tokens comments "
    "segment_history sessions jobs segments documents users mt_cache terms history units meta"
).split()


def _c(script: str) -> str:
    """Give every text column the "C" collation: byte order, as SQLite compares."""
    return re.sub(r"\bTEXT\b", 'TEXT COLLATE "C"', script)


def statements(script: str) -> list[str]:
    """Split a script into statements (none of ours has ; inside a literal)."""
    return [s.strip() for s in script.split(";") if s.strip()]


def lock_key(schema: str, purpose: str) -> int:
    """Return the advisory lock key of a purpose (writer, migration) for the memory in a schema."""
    digest = hashlib.blake2b(f"tm:{purpose}:{schema}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _version(conn: Any) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    return int(row[0]) if row else 0


def _tables(conn: Any, schema: str) -> set[str]:
    rows = conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
    ).fetchall()
    return {r[0] for r in rows}


def migrate(db: Database, *, create: bool = True) -> tuple[str, int]:
    """Bring the schema up to date, once, even when several processes start together.

    Returns the schema's name and the key of its writer lock.
    """
    with db.connection() as conn:
        row = conn.execute("SELECT current_schema()").fetchone()
        if row is None or row[0] is None:
            raise StoreError(
                f"the memory {db.location} has no schema to live in: the search_path names none that "
                "exists; create it (CREATE SCHEMA ...) or fix the URL's options"
            )
        schema = str(row[0])
        where = f"{db.location} (schema {schema})"
        tables = _tables(conn, schema)
        if tables and "meta" not in tables:
            raise StoreError(f"{where} holds tables of another program, not a tm memory; check --db")
        if "meta" in tables and _version(conn) == SCHEMA_VERSION:
            return schema, lock_key(schema, "write")
        if not tables and not create:
            raise StoreError(
                f"there is no memory in {where}; create it with `tm --db URL init`, or check --db/TM_DB"
            )
        conn.execute("BEGIN")
        try:
            conn.execute(f"SET LOCAL lock_timeout = {int(max(db.busy_timeout, 60) * 1000)}")
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key(schema, "migrate"),))
            # another process may have migrated meanwhile
            tables = _tables(conn, schema)
            version = _version(conn) if "meta" in tables else 0
            _check_version(version, where)
            if version < SCHEMA_VERSION:
                if version == 0:
                    for statement in statements(_c(_BASELINE)):
                        conn.execute(statement)
                    version = BASELINE_VERSION
                # the memory's identity is made with its schema: reading it never needs a lock
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('memory_id', %s) ON CONFLICT DO NOTHING",
                    (uuid.uuid4().hex,),
                )
                for number in range(version + 1, SCHEMA_VERSION + 1):
                    for statement in statements(_c(MIGRATIONS[number])):
                        conn.execute(statement)
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', %s) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (str(SCHEMA_VERSION),),
                )
            conn.execute("COMMIT")
        except BaseException as e:
            conn.execute("ROLLBACK")
            if isinstance(e, psycopg.Error):
                raise db.translate(e) from e
            raise
    return schema, lock_key(schema, "write")


def _check_version(version: int, where: str) -> None:
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{where} was written by a newer tm (schema {version}, this tm knows "
            f"{SCHEMA_VERSION}); upgrade tm to open it"
        )
    if 0 < version < BASELINE_VERSION:
        raise StoreError(f"{where} has schema {version}, which no PostgreSQL memory of tm ever had")
