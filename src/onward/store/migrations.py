"""The schema, as ordered, named migrations. Never edit one that has shipped: add a new one."""

from __future__ import annotations

MIGRATIONS: list[tuple[str, str]] = [
    ("0001_folder_state_and_messages", """
        CREATE TABLE folder_state (
            account TEXT NOT NULL,
            folder TEXT NOT NULL,
            uidvalidity INTEGER NOT NULL,
            last_uid INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (account, folder)
        );
        CREATE TABLE messages (
            id INTEGER PRIMARY KEY,
            account TEXT NOT NULL,
            folder TEXT NOT NULL,
            uid INTEGER,
            source_key TEXT,
            message_id TEXT NOT NULL,
            received_at TEXT,
            from_addr TEXT,
            from_name TEXT,
            subject TEXT,
            company TEXT,
            role TEXT,
            in_reply_to TEXT,
            thread_refs TEXT,
            category TEXT,
            verdict TEXT,
            score REAL,
            model_version TEXT,
            status TEXT NOT NULL,
            error TEXT,
            excerpt TEXT,
            seen_at TEXT NOT NULL,
            UNIQUE (account, message_id)
        );
        CREATE INDEX messages_category ON messages (category, received_at);
        CREATE INDEX messages_in_reply_to ON messages (in_reply_to);
    """),
    ("0002_rejection_events_and_actions", """
        CREATE TABLE rejection_events (
            id INTEGER PRIMARY KEY,
            message INTEGER NOT NULL UNIQUE REFERENCES messages (id) ON DELETE CASCADE,
            company TEXT,
            role TEXT,
            stage TEXT NOT NULL DEFAULT 'unknown',
            reason TEXT NOT NULL DEFAULT 'none',
            signer TEXT,
            reply_to TEXT,
            lang TEXT,
            received_at TEXT,
            draft_status TEXT NOT NULL DEFAULT 'pending',
            draft_message_id TEXT,
            application_message INTEGER REFERENCES messages (id) ON DELETE SET NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX rejection_events_company ON rejection_events (company);
        CREATE TABLE actions (
            account TEXT NOT NULL,
            message_id TEXT NOT NULL,
            action TEXT NOT NULL,
            detail TEXT,
            done_at TEXT NOT NULL,
            PRIMARY KEY (account, message_id, action)
        );
    """),
    ("0003_corrections", """
        CREATE TABLE corrections (
            id INTEGER PRIMARY KEY,
            account TEXT,
            message_id TEXT NOT NULL,
            label TEXT NOT NULL,
            origin TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX corrections_message ON corrections (message_id);
    """),
    ("0004_messages_by_folder_uid", """
        CREATE INDEX messages_folder_uid ON messages (account, folder, uid);
        CREATE INDEX actions_by_action ON actions (account, action);
    """),
    ("0005_folder_modseq", """
        ALTER TABLE folder_state ADD COLUMN flags_modseq INTEGER
    """),
    # each rejection looks up the same company's earlier mail; without this, a full scan of a
    # large folder slows down as the table grows
    ("0006_messages_by_company", """
        CREATE INDEX messages_by_company ON messages (account, lower(company))
    """),
    # for `onward status`: when each account was last scanned and what last went wrong with it
    ("0007_account_status", """
        CREATE TABLE account_status (
            account TEXT PRIMARY KEY,
            last_scan_at TEXT,
            last_error TEXT,
            last_error_at TEXT
        )
    """),
    # a message that failed at one step (reading, recording, drafting, moving): kept once, so the
    # step is not tried again on every scan and `history --failed` can list it
    ("0008_failures", """
        CREATE TABLE failures (
            id INTEGER PRIMARY KEY,
            account TEXT NOT NULL,
            message_id TEXT NOT NULL,
            folder TEXT,
            uid INTEGER,
            step TEXT NOT NULL,
            error_class TEXT NOT NULL,
            error TEXT,
            created_at TEXT NOT NULL,
            UNIQUE (account, message_id, step)
        )
    """),
    # a message the server cannot send drops the connection at every FETCH: the UIDs of a batch that
    # died are suspects, fetched alone from then on, and one that dies alone again and again is
    # written off (sync/scan.py). Kept across connections and runs, since each death ends both.
    ("0009_fetch_suspects", """
        CREATE TABLE fetch_suspects (
            account TEXT NOT NULL,
            folder TEXT NOT NULL,
            uidvalidity INTEGER NOT NULL,
            uid INTEGER NOT NULL,
            deaths INTEGER NOT NULL DEFAULT 0,
            error_class TEXT,
            error TEXT,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (account, folder, uidvalidity, uid)
        )
    """),
    # a draft looks for a person at the employer among earlier senders by the parts of their
    # address (messages.sender_keys); a LIKE over every address made each draft's lookup read the
    # whole table, so a full scan with drafts slowed down as the table grew (O(n^2))
    ("0010_sender_keys", """
        CREATE TABLE sender_keys (
            key TEXT NOT NULL,
            message INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
            PRIMARY KEY (key, message)
        ) WITHOUT ROWID;
        CREATE INDEX sender_keys_message ON sender_keys (message);
        INSERT OR IGNORE INTO sender_keys (key, message)
            SELECT j.value, m.id FROM messages m, json_each(onward_sender_keys(m.from_addr, m.company)) j
    """),
]
