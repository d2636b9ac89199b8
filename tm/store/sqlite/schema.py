"""The SQLite schema as forward migrations; the PostgreSQL engine keeps the same tables."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from tm.lang import normalize
from tm.store.records import source_hash


def _v4(conn: sqlite3.Connection) -> None:
    """Feed tokens, segment keys for constant-time confirms, and the jobs table."""
    # A random token per change: a saved index can tell this database from a restored copy.
    conn.execute("ALTER TABLE history ADD COLUMN token INTEGER NOT NULL DEFAULT 0")
    conn.execute("UPDATE history SET token = random()")
    conn.execute("ALTER TABLE segments ADD COLUMN source_key INTEGER NOT NULL DEFAULT 0")
    rows = conn.execute("SELECT document_id, idx, source FROM segments").fetchall()
    conn.executemany(
        "UPDATE segments SET source_key=? WHERE document_id=? AND idx=?",
        [(source_hash(normalize(src)), doc, idx) for doc, idx, src in rows],
    )
    conn.execute("CREATE INDEX segments_key ON segments (document_id, source_key)")
    conn.execute("ALTER TABLE documents ADD COLUMN job_id INTEGER")
    conn.execute(
        """
        CREATE TABLE jobs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
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
        )
        """
    )
    conn.execute("CREATE INDEX jobs_state ON jobs (state, id)")


# Each entry moves the schema one version forward; never edit an entry once released.
MIGRATIONS: list[str | Callable[[sqlite3.Connection], None]] = [
    # 1: units, their history and the concordance index
    """
    CREATE TABLE units (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        source TEXT NOT NULL,
        target TEXT NOT NULL,
        source_lang TEXT NOT NULL,
        target_lang TEXT NOT NULL,
        source_norm TEXT NOT NULL,
        source_hash INTEGER NOT NULL,
        origin TEXT NOT NULL CHECK (origin IN ('human', 'mt', 'import')),
        mt_draft TEXT,
        author TEXT,
        context TEXT,
        meta TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        changed_at TEXT NOT NULL,
        version INTEGER NOT NULL DEFAULT 1
    );
    CREATE INDEX units_source_hash ON units (source_hash);
    CREATE TABLE history (
        id INTEGER PRIMARY KEY,
        unit_id INTEGER NOT NULL,
        version INTEGER NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete')),
        source TEXT NOT NULL,
        target TEXT NOT NULL,
        origin TEXT NOT NULL,
        mt_draft TEXT,
        author TEXT,
        at TEXT NOT NULL,
        meta TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX history_unit ON history (unit_id, id);
    CREATE VIRTUAL TABLE units_fts USING fts5 (
        target_norm, content='', tokenize='unicode61 remove_diacritics 0'
    );
    """,
    # 2: glossary terms and the machine-translation cache
    """
    CREATE TABLE terms (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        source TEXT NOT NULL,
        target TEXT NOT NULL,
        source_norm TEXT NOT NULL,
        notes TEXT NOT NULL DEFAULT '',
        forbidden TEXT NOT NULL DEFAULT '[]',
        enforce INTEGER NOT NULL DEFAULT 0,
        author TEXT,
        created_at TEXT NOT NULL,
        changed_at TEXT NOT NULL
    );
    CREATE UNIQUE INDEX terms_pair ON terms (source_norm, target);
    CREATE TABLE mt_cache (
        model TEXT NOT NULL,
        source_norm TEXT NOT NULL,
        output TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (model, source_norm)
    );
    """,
    # 3: the web editor's accounts, documents and their segments
    """
    CREATE TABLE users (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'translator', 'reviewer')),
        active INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL
    );
    CREATE TABLE documents (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        title TEXT NOT NULL,
        owner TEXT NOT NULL,
        layout TEXT NOT NULL,
        words INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('translating', 'ready', 'failed')),
        progress INTEGER NOT NULL DEFAULT 0,
        total INTEGER NOT NULL DEFAULT 0,
        note TEXT,
        created_at TEXT NOT NULL,
        changed_at TEXT NOT NULL
    );
    CREATE TABLE segments (
        document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        paragraph INTEGER NOT NULL,
        source TEXT NOT NULL,
        target TEXT NOT NULL DEFAULT '',
        draft TEXT NOT NULL DEFAULT '',
        origin TEXT NOT NULL DEFAULT 'none',
        score INTEGER,
        unit_id INTEGER,
        mt_draft TEXT,
        status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'confirmed', 'approved')),
        version INTEGER NOT NULL DEFAULT 1,
        repeat_of INTEGER,
        info TEXT NOT NULL DEFAULT '{}',
        changed_by TEXT,
        changed_at TEXT,
        PRIMARY KEY (document_id, idx)
    );
    """,
    # 4: feed tokens, segment keys, jobs
    _v4,
    # 5: the editor's sessions, kept on the server (the cookie holds a random token; this its digest)
    """
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        digest TEXT NOT NULL UNIQUE,
        user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        seen_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        ip TEXT NOT NULL DEFAULT '',
        user_agent TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX sessions_user ON sessions (user_id);
    CREATE INDEX sessions_seen ON sessions (seen_at);
    """,
    # 6: the desk's workflow: who translates and reviews a document, by when, how urgent, which stage
    """
    ALTER TABLE documents ADD COLUMN translator TEXT;
    ALTER TABLE documents ADD COLUMN reviewer TEXT;
    ALTER TABLE documents ADD COLUMN deadline TEXT;
    ALTER TABLE documents ADD COLUMN priority TEXT NOT NULL DEFAULT 'normal'
        CHECK (priority IN ('normal', 'high', 'urgent'));
    ALTER TABLE documents ADD COLUMN stage TEXT NOT NULL DEFAULT 'new'
        CHECK (stage IN ('new', 'translating', 'in review', 'done'));
    """,
    # 7: review and honest origins on units and their history; a segment's own history (undo)
    """
    ALTER TABLE units ADD COLUMN status TEXT NOT NULL DEFAULT 'confirmed'
        CHECK (status IN ('confirmed', 'approved'));
    ALTER TABLE units ADD COLUMN reviewer TEXT;
    ALTER TABLE units ADD COLUMN provenance TEXT;
    ALTER TABLE history ADD COLUMN status TEXT NOT NULL DEFAULT 'confirmed';
    ALTER TABLE history ADD COLUMN reviewer TEXT;
    ALTER TABLE history ADD COLUMN provenance TEXT;
    ALTER TABLE history ADD COLUMN qa_override TEXT;
    ALTER TABLE segments ADD COLUMN provenance TEXT;
    ALTER TABLE segments ADD COLUMN rejected_by TEXT;
    CREATE TABLE segment_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        version INTEGER NOT NULL,
        target TEXT NOT NULL,
        status TEXT NOT NULL,
        action TEXT NOT NULL,
        author TEXT,
        at TEXT NOT NULL
    );
    CREATE INDEX segment_history_seg ON segment_history (document_id, idx, id);
    """,
    # 8: threaded comments on segments; a thread is its first comment and the replies to it
    """
    CREATE TABLE comments (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        thread_id INTEGER NOT NULL,
        author TEXT NOT NULL,
        body TEXT NOT NULL,
        kind TEXT NOT NULL DEFAULT 'comment' CHECK (kind IN ('comment', 'rejection')),
        created_at TEXT NOT NULL,
        resolved_by TEXT,
        resolved_at TEXT
    );
    CREATE INDEX comments_segment ON comments (document_id, idx, id);
    CREATE INDEX comments_thread ON comments (thread_id, id);
    """,
    # 9: terms translators propose, waiting for a reviewer or an admin
    """
    ALTER TABLE terms ADD COLUMN status TEXT NOT NULL DEFAULT 'approved'
        CHECK (status IN ('proposed', 'approved'));
    ALTER TABLE terms ADD COLUMN reviewed_by TEXT;
    """,
    # 10: personal API tokens (the token is shown once; its SHA-256 is kept)
    """
    CREATE TABLE tokens (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        digest TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        last_used_at TEXT,
        revoked_at TEXT
    );
    CREATE INDEX tokens_user ON tokens (user_id);
    """,
    # 11: webhooks a newsroom system registers, and every delivery with its attempts
    """
    CREATE TABLE webhooks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        owner TEXT NOT NULL,
        url TEXT NOT NULL,
        events TEXT NOT NULL,
        document_id INTEGER REFERENCES documents (id) ON DELETE CASCADE,
        secret TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL
    );
    CREATE INDEX webhooks_owner ON webhooks (owner);
    CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        webhook_id INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
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
    """,
    # 12: active editing time the editor records, per segment, person and day (post-editing report)
    """
    CREATE TABLE editing_time (
        document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        author TEXT NOT NULL,
        day TEXT NOT NULL,
        ms INTEGER NOT NULL DEFAULT 0 CHECK (ms >= 0),
        PRIMARY KEY (document_id, idx, author, day)
    );
    CREATE INDEX editing_time_author ON editing_time (author, day);
    """,
    # 13: documents from files (HTML, DOCX, XLIFF): the format, and the file to rebuild in English
    """
    ALTER TABLE documents ADD COLUMN format TEXT NOT NULL DEFAULT 'text';
    CREATE TABLE document_files (
        document_id INTEGER PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        data BLOB NOT NULL
    );
    """,
    # 14: wrong passwords per name and address, so that every server process slows guessing down
    """
    CREATE TABLE login_failures (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        ip TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX login_failures_key ON login_failures (name, ip, at);
    CREATE INDEX login_failures_at ON login_failures (at);
    """,
    # 15: a job's input file, kept with it so that a worker on any machine can read it
    """
    CREATE TABLE job_files (
        job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (job_id, seq)
    );
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)
