"""Numbered, described, append-only schema migrations, each applied in its own transaction.

Never edit a released step: append a new one. The runner refuses a database whose schema is newer
than this code, so an old binary cannot damage data written by a newer one, and a database whose
applied steps are described differently from this code's steps of the same numbers (a development
copy made before steps were renumbered): it would skip steps it believes done and fail later, on
every question, instead of at the start.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import aiosqlite

__all__ = [
    "MIGRATIONS",
    "DatabaseMismatchError",
    "DatabaseTooNewError",
    "Migration",
    "migrate",
    "schema_version",
]


@dataclass(frozen=True)
class Migration:
    """One schema step: its number, what it does, and its statements."""

    version: int
    description: str
    statements: tuple[str, ...]


class DatabaseTooNewError(RuntimeError):
    """The database was written by a newer Klimabot; refuse to touch it."""


class DatabaseMismatchError(RuntimeError):
    """The database's applied steps are not this code's steps of the same numbers."""


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "bot state (session, sync token) and handled events",
        (
            """CREATE TABLE bot_state (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL
            )""",
            """CREATE TABLE handled_events (
                event_id TEXT PRIMARY KEY,
                room_id TEXT NOT NULL,
                handled_at REAL NOT NULL
            )""",
            "CREATE INDEX handled_events_by_time ON handled_events (handled_at)",
        ),
    ),
    Migration(
        2,
        "per-user settings (language)",
        (
            """CREATE TABLE user_settings (
                user_id TEXT PRIMARY KEY,
                language TEXT NOT NULL CHECK (language IN ('de', 'en')),
                updated_at REAL NOT NULL
            )""",
        ),
    ),
    Migration(
        3,
        "encrypted events the bot could not decrypt",
        (
            """CREATE TABLE undecryptable_events (
                event_id TEXT PRIMARY KEY,
                room_id TEXT NOT NULL,
                session_id TEXT NOT NULL,
                seen_at REAL NOT NULL
            )""",
        ),
    ),
    Migration(
        4,
        "FAQ: asked questions, sent answers, feedback, pending choices, room modes",
        (
            """CREATE TABLE faq_questions (
                id INTEGER PRIMARY KEY,
                user_id TEXT NOT NULL,
                room_id TEXT NOT NULL,
                text TEXT NOT NULL,
                outcome TEXT NOT NULL CHECK (outcome IN ('answer', 'did_you_mean', 'dont_know')),
                entry_id TEXT,
                confidence REAL NOT NULL,
                open INTEGER NOT NULL DEFAULT 0,
                asked_at REAL NOT NULL
            )""",
            "CREATE INDEX faq_questions_open ON faq_questions (open, asked_at)",
            "CREATE INDEX faq_questions_user ON faq_questions (user_id)",
            """CREATE TABLE faq_answers (
                answer_event_id TEXT PRIMARY KEY,
                entry_id TEXT NOT NULL,
                user_id TEXT NOT NULL,
                sent_at REAL NOT NULL
            )""",
            "CREATE INDEX faq_answers_user ON faq_answers (user_id)",
            """CREATE TABLE faq_feedback (
                answer_event_id TEXT NOT NULL,
                user_id TEXT NOT NULL,
                entry_id TEXT NOT NULL,
                vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
                voted_at REAL NOT NULL,
                PRIMARY KEY (answer_event_id, user_id)
            )""",
            """CREATE TABLE faq_choices (
                user_id TEXT NOT NULL,
                room_id TEXT NOT NULL,
                candidates TEXT NOT NULL,
                question_id INTEGER REFERENCES faq_questions (id) ON DELETE CASCADE,
                offered_at REAL NOT NULL,
                PRIMARY KEY (user_id, room_id)
            )""",
            """CREATE TABLE room_settings (
                room_id TEXT PRIMARY KEY,
                faq_mode TEXT NOT NULL CHECK (faq_mode IN ('mention', 'auto', 'off'))
            )""",
        ),
    ),
    Migration(
        5,
        "measures state and history, subscriptions, delivery preferences, DM rooms",
        (
            """CREATE TABLE measure_state (
                measure_id TEXT PRIMARY KEY,
                status TEXT NOT NULL,
                progress INTEGER NOT NULL CHECK (progress BETWEEN 0 AND 100),
                updated_at REAL NOT NULL
            )""",
            """CREATE TABLE measure_updates (
                id INTEGER PRIMARY KEY,
                measure_id TEXT NOT NULL,
                status TEXT,
                progress INTEGER,
                text TEXT,
                author TEXT NOT NULL,
                created_at REAL NOT NULL
            )""",
            "CREATE INDEX measure_updates_by_measure ON measure_updates (measure_id, created_at)",
            """CREATE TABLE subscriptions (
                user_id TEXT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('topic', 'measure')),
                target TEXT NOT NULL,
                created_at REAL NOT NULL,
                PRIMARY KEY (user_id, kind, target)
            )""",
            "CREATE INDEX subscriptions_by_target ON subscriptions (kind, target)",
            """CREATE TABLE delivery_prefs (
                user_id TEXT PRIMARY KEY,
                mode TEXT NOT NULL CHECK (mode IN ('sofort', 'woechentlich')),
                quiet TEXT NOT NULL,
                updated_at REAL NOT NULL
            )""",
            """CREATE TABLE dm_rooms (
                user_id TEXT PRIMARY KEY,
                room_id TEXT NOT NULL,
                created_at REAL NOT NULL
            )""",
        ),
    ),
    Migration(
        6,
        "durable broadcasts: one row per broadcast and per (broadcast, recipient)",
        (
            """CREATE TABLE broadcasts (
                id INTEGER PRIMARY KEY,
                kind TEXT NOT NULL,
                topic TEXT,
                measure_id TEXT,
                author TEXT NOT NULL,
                body TEXT NOT NULL,
                report_room TEXT,
                report_event TEXT,
                dedup_key TEXT UNIQUE,
                created_at REAL NOT NULL,
                finished_at REAL
            )""",
            """CREATE TABLE deliveries (
                id INTEGER PRIMARY KEY,
                broadcast_id INTEGER NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
                recipient TEXT NOT NULL,
                recipient_kind TEXT NOT NULL CHECK (recipient_kind IN ('user', 'room')),
                state TEXT NOT NULL
                    CHECK (state IN ('pending', 'sent', 'undeliverable', 'digest')),
                attempts INTEGER NOT NULL DEFAULT 0,
                not_before REAL NOT NULL DEFAULT 0,
                event_id TEXT,
                error TEXT,
                updated_at REAL NOT NULL,
                UNIQUE (broadcast_id, recipient)
            )""",
            "CREATE INDEX deliveries_due ON deliveries (state, not_before)",
            "CREATE INDEX deliveries_by_recipient ON deliveries (recipient)",
            """CREATE TABLE announcement_events (
                event_id TEXT PRIMARY KEY,
                topic TEXT NOT NULL
            )""",
            """CREATE TABLE dialogs (
                user_id TEXT NOT NULL,
                room_id TEXT NOT NULL,
                kind TEXT NOT NULL,
                data TEXT NOT NULL,
                updated_at REAL NOT NULL,
                PRIMARY KEY (user_id, room_id)
            )""",
            """CREATE TABLE scheduled_posts (
                id INTEGER PRIMARY KEY,
                topic TEXT NOT NULL,
                body TEXT NOT NULL,
                author TEXT NOT NULL,
                report_room TEXT NOT NULL,
                due_at REAL NOT NULL,
                weekday INTEGER,
                hour INTEGER NOT NULL,
                minute INTEGER NOT NULL,
                active INTEGER NOT NULL DEFAULT 1,
                created_at REAL NOT NULL
            )""",
        ),
    ),
    Migration(
        7,
        "FAQ feedback counts that outlive deleted users (data rights keep only aggregates)",
        (
            """CREATE TABLE faq_feedback_aggregate (
                entry_id TEXT PRIMARY KEY,
                up INTEGER NOT NULL DEFAULT 0,
                down INTEGER NOT NULL DEFAULT 0
            )""",
        ),
    ),
    Migration(
        8,
        "actors: profiles with consent, blocks, suggestions, double opt-in introductions",
        (
            """CREATE TABLE actors (
                user_id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                actor_type TEXT NOT NULL,
                organisation TEXT NOT NULL DEFAULT '',
                district TEXT NOT NULL,
                topics TEXT NOT NULL,
                offers TEXT NOT NULL DEFAULT '',
                needs TEXT NOT NULL DEFAULT '',
                listed INTEGER NOT NULL,
                paused INTEGER NOT NULL DEFAULT 0,
                consent_purpose TEXT NOT NULL,
                consent_version TEXT NOT NULL,
                consent_at REAL NOT NULL,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL
            )""",
            """CREATE TABLE actor_blocks (
                user_id TEXT NOT NULL,
                blocked_user_id TEXT NOT NULL,
                created_at REAL NOT NULL,
                PRIMARY KEY (user_id, blocked_user_id)
            )""",
            """CREATE TABLE actor_suggestions (
                user_id TEXT PRIMARY KEY,
                candidates TEXT NOT NULL,
                created_at REAL NOT NULL
            )""",
            """CREATE TABLE introductions (
                id INTEGER PRIMARY KEY,
                requester TEXT NOT NULL,
                target TEXT NOT NULL,
                reason TEXT NOT NULL,
                status TEXT NOT NULL
                    CHECK (status IN ('open', 'accepted', 'declined', 'expired')),
                room_id TEXT,
                request_event TEXT,
                created_at REAL NOT NULL,
                decided_at REAL
            )""",
            "CREATE INDEX introductions_target ON introductions (target, status)",
            "CREATE INDEX introductions_requester ON introductions (requester, status)",
        ),
    ),
    Migration(
        9,
        "actors: last activity, inactivity warning, weekly 'new actors' opt-in",
        (
            "ALTER TABLE actors ADD COLUMN last_active REAL NOT NULL DEFAULT 0",
            "ALTER TABLE actors ADD COLUMN warned_at REAL",
            "ALTER TABLE actors ADD COLUMN weekly INTEGER NOT NULL DEFAULT 0",
            "UPDATE actors SET last_active = updated_at",
        ),
    ),
    Migration(
        10,
        "introductions proposed by the manager: both sides must agree",
        (
            "ALTER TABLE introductions ADD COLUMN proposed_by TEXT",
            "ALTER TABLE introductions ADD COLUMN requester_ok INTEGER NOT NULL DEFAULT 1",
            "ALTER TABLE introductions ADD COLUMN requester_event TEXT",
            "ALTER TABLE introductions ADD COLUMN target_ok INTEGER NOT NULL DEFAULT 0",
        ),
    ),
    Migration(
        11,
        "FAQ answers remember their question, so that a 👎 can reopen it",
        (
            "ALTER TABLE faq_answers ADD COLUMN question_id INTEGER "
            "REFERENCES faq_questions (id) ON DELETE SET NULL",
        ),
    ),
    Migration(
        12,
        "introduction requests leave the dialogue slot (their state is in introductions)",
        ("DELETE FROM dialogs WHERE kind = 'intro_answer'",),
    ),
    Migration(
        13,
        "rooms known to be direct chats, and with whom (a two-member room need not be one)",
        (
            """CREATE TABLE direct_rooms (
                room_id TEXT PRIMARY KEY,
                user_id TEXT NOT NULL,
                created_at REAL NOT NULL
            )""",
            "CREATE INDEX direct_rooms_by_user ON direct_rooms (user_id)",
        ),
    ),
    Migration(
        14,
        "who was welcomed in which direct chat (the first message there gets a welcome)",
        (
            """CREATE TABLE dm_welcomes (
                user_id TEXT NOT NULL,
                room_id TEXT NOT NULL,
                welcomed_at REAL NOT NULL,
                PRIMARY KEY (user_id, room_id)
            )""",
            # Direct chats from before this step are not new: nobody there is welcomed late.
            "INSERT OR IGNORE INTO dm_welcomes (user_id, room_id, welcomed_at) "
            "SELECT user_id, room_id, created_at FROM direct_rooms "
            "UNION SELECT user_id, room_id, created_at FROM dm_rooms",
        ),
    ),
    Migration(
        15,
        "FAQ taught in the chat: stable open-question groups, their manager-room notices, "
        "where each question was asked, entries made or changed in the chat and their history",
        (
            # A group's id is the number the manager sees in !offen: it never changes.
            # No question text here: that stays in faq_questions (and goes with !vergessen).
            """CREATE TABLE faq_groups (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                created_at REAL NOT NULL,
                closed_at REAL
            )""",
            "ALTER TABLE faq_questions ADD COLUMN group_id INTEGER "
            "REFERENCES faq_groups (id) ON DELETE SET NULL",
            "ALTER TABLE faq_questions ADD COLUMN event_id TEXT",
            "ALTER TABLE faq_questions ADD COLUMN thread_root TEXT",
            "ALTER TABLE faq_questions ADD COLUMN direct INTEGER NOT NULL DEFAULT 0",
            "CREATE INDEX faq_questions_group ON faq_questions (group_id)",
            # The bot's notices of a question in the manager room: a reply to one answers it.
            """CREATE TABLE faq_notices (
                event_id TEXT PRIMARY KEY,
                question_id INTEGER NOT NULL REFERENCES faq_questions (id) ON DELETE CASCADE
            )""",
            "CREATE INDEX faq_notices_question ON faq_notices (question_id)",
            # An entry as the chat left it, in the YAML format (JSON); data NULL: deleted.
            """CREATE TABLE faq_chat_entries (
                entry_id TEXT PRIMARY KEY,
                origin TEXT NOT NULL CHECK (origin IN ('chat', 'yaml')),
                data TEXT,
                updated_at REAL NOT NULL,
                updated_by TEXT NOT NULL
            )""",
            """CREATE TABLE faq_entry_history (
                id INTEGER PRIMARY KEY,
                entry_id TEXT NOT NULL,
                action TEXT NOT NULL,
                detail TEXT NOT NULL,
                changed_by TEXT NOT NULL,
                changed_at REAL NOT NULL
            )""",
            "CREATE INDEX faq_entry_history_entry ON faq_entry_history (entry_id, changed_at)",
        ),
    ),
    Migration(
        16,
        "FAQ questions remember 'on topic, not this point' (stored as an open don't-know)",
        (
            # The outcome column's CHECK predates this outcome, and SQLite cannot change a CHECK
            # without rebuilding a table that others reference; a flag beside it says the rest.
            "ALTER TABLE faq_questions ADD COLUMN on_topic INTEGER NOT NULL DEFAULT 0",
        ),
    ),
    Migration(
        17,
        "measures: indicator values and milestone changes, each row with who and when",
        (
            # Every row is history; the latest per indicator/milestone is the current state.
            """CREATE TABLE measure_values (
                id INTEGER PRIMARY KEY,
                measure_id TEXT NOT NULL,
                indicator_id TEXT NOT NULL,
                value REAL NOT NULL,
                measured_on TEXT NOT NULL,
                source TEXT,
                author TEXT NOT NULL,
                created_at REAL NOT NULL
            )""",
            "CREATE INDEX measure_values_by_indicator "
            "ON measure_values (measure_id, indicator_id, measured_on)",
            """CREATE TABLE measure_milestones (
                id INTEGER PRIMARY KEY,
                measure_id TEXT NOT NULL,
                number INTEGER NOT NULL CHECK (number >= 1),
                done INTEGER CHECK (done IN (0, 1)),
                due TEXT,
                author TEXT NOT NULL,
                created_at REAL NOT NULL
            )""",
            "CREATE INDEX measure_milestones_by_measure ON measure_milestones (measure_id, number)",
        ),
    ),
    Migration(
        18,
        "nudges to measure owners: one DM per owner (batch) bundling its measures (items)",
        (
            # The batch is written before the DM goes out (at most one nudge a week, even after
            # a crash); its event is kept so a reply to the DM is known as an answer.
            """CREATE TABLE nudge_batches (
                id INTEGER PRIMARY KEY,
                owner TEXT NOT NULL,
                created_at REAL NOT NULL,
                room_id TEXT,
                event_id TEXT
            )""",
            "CREATE INDEX nudge_batches_by_owner ON nudge_batches (owner, created_at)",
            # The owner is repeated here so that `!meinedaten` shows which measures they were
            # asked about, and `!vergessen` removes the rows by the same column.
            """CREATE TABLE nudge_items (
                id INTEGER PRIMARY KEY,
                batch_id INTEGER NOT NULL REFERENCES nudge_batches (id) ON DELETE CASCADE,
                owner TEXT NOT NULL,
                position INTEGER NOT NULL CHECK (position >= 1),
                measure_id TEXT NOT NULL,
                stale INTEGER NOT NULL CHECK (stale IN (0, 1)),
                milestones TEXT NOT NULL DEFAULT '[]',
                closed_at REAL,
                closed_how TEXT,
                escalated_at REAL,
                UNIQUE (batch_id, position)
            )""",
            "CREATE INDEX nudge_items_by_owner ON nudge_items (owner, closed_at)",
        ),
    ),
    Migration(
        19,
        "events with registration, waiting list and reminders (!termin-neu, !anmelden)",
        (
            """CREATE TABLE calendar_events (
                id INTEGER PRIMARY KEY,
                title TEXT NOT NULL,
                starts_at REAL NOT NULL,
                place TEXT NOT NULL,
                capacity INTEGER CHECK (capacity IS NULL OR capacity >= 1),
                topic TEXT,
                body TEXT NOT NULL,
                closes_at REAL,
                author TEXT NOT NULL,
                sequence INTEGER NOT NULL DEFAULT 0,
                cancelled INTEGER NOT NULL DEFAULT 0 CHECK (cancelled IN (0, 1)),
                broadcast_id INTEGER,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL
            )""",
            "CREATE INDEX calendar_events_by_start ON calendar_events (starts_at)",
            # The row id orders the waiting list: whoever asked first moves up first.
            """CREATE TABLE event_registrations (
                id INTEGER PRIMARY KEY,
                event_id INTEGER NOT NULL REFERENCES calendar_events (id) ON DELETE CASCADE,
                user_id TEXT NOT NULL,
                waiting INTEGER NOT NULL CHECK (waiting IN (0, 1)),
                reminded_day INTEGER NOT NULL DEFAULT 0,
                reminded_hour INTEGER NOT NULL DEFAULT 0,
                created_at REAL NOT NULL,
                UNIQUE (event_id, user_id)
            )""",
            "CREATE INDEX event_registrations_by_user ON event_registrations (user_id)",
            # A ✅ on an announcement is looked up by the delivery's event ID.
            "CREATE INDEX IF NOT EXISTS deliveries_by_event ON deliveries (event_id)",
        ),
    ),
    Migration(
        20,
        "native polls: the poll, its start events per room, one vote per person",
        (
            # `result` holds the tally frozen at the end (JSON {answer ID: votes}).
            """CREATE TABLE polls (
                id INTEGER PRIMARY KEY,
                question TEXT NOT NULL,
                answers TEXT NOT NULL,
                disclosed INTEGER NOT NULL CHECK (disclosed IN (0, 1)),
                topic TEXT,
                created_by TEXT NOT NULL,
                report_room TEXT NOT NULL,
                created_at REAL NOT NULL,
                ended_at REAL,
                result TEXT
            )""",
            """CREATE TABLE poll_posts (
                event_id TEXT PRIMARY KEY,
                poll_id INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
                room_id TEXT NOT NULL
            )""",
            "CREATE INDEX poll_posts_by_poll ON poll_posts (poll_id)",
            """CREATE TABLE poll_votes (
                poll_id INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
                user_id TEXT NOT NULL,
                answer TEXT NOT NULL,
                sent_ms INTEGER NOT NULL,
                event_id TEXT NOT NULL,
                PRIMARY KEY (poll_id, user_id)
            )""",
            "CREATE INDEX poll_votes_by_user ON poll_votes (user_id)",
        ),
    ),
    Migration(
        21,
        "pledge campaigns ('Ich mache mit'), pledges and announced milestones",
        (
            # `forgotten`: pledges of people who used !vergessen, kept only as a number.
            """CREATE TABLE campaigns (
                id INTEGER PRIMARY KEY,
                title TEXT NOT NULL,
                pledge TEXT NOT NULL,
                saving REAL NOT NULL CHECK (saving > 0),
                unit TEXT NOT NULL CHECK (unit IN ('kg', 'kWh')),
                source TEXT NOT NULL,
                goal INTEGER NOT NULL CHECK (goal >= 1),
                ends_on TEXT,
                topic TEXT,
                created_by TEXT NOT NULL,
                created_at REAL NOT NULL,
                forgotten INTEGER NOT NULL DEFAULT 0
            )""",
            """CREATE TABLE pledges (
                campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
                user_id TEXT NOT NULL,
                pledged_at REAL NOT NULL,
                PRIMARY KEY (campaign_id, user_id)
            )""",
            "CREATE INDEX pledges_by_user ON pledges (user_id)",
            """CREATE TABLE campaign_milestones (
                campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
                percent INTEGER NOT NULL,
                reached_at REAL NOT NULL,
                PRIMARY KEY (campaign_id, percent)
            )""",
        ),
    ),
    Migration(
        22,
        "the ✅ reaction that registered someone for an event (taking it back unregisters)",
        (
            # Cascades: a registration that ends (!abmelden, !vergessen) takes its reaction along.
            """CREATE TABLE event_reactions (
                reaction_event_id TEXT PRIMARY KEY,
                registration_id INTEGER NOT NULL
                    REFERENCES event_registrations (id) ON DELETE CASCADE
            )""",
            "CREATE INDEX event_reactions_by_registration ON event_reactions (registration_id)",
        ),
    ),
    Migration(
        23,
        "events get a duration (seconds; NULL: not given, two hours are assumed)",
        (
            "ALTER TABLE calendar_events ADD COLUMN duration REAL "
            "CHECK (duration IS NULL OR duration > 0)",
        ),
    ),
    Migration(
        24,
        "event notices (a place free, a change, a cancellation) wait here for quiet hours to end",
        (
            # Cascades: a registration that ends (!abmelden, !vergessen) takes its notices along.
            # `old` is the event as it was before a change (JSON), so the notice is written in
            # the reader's language when it is sent, and several changes make one notice.
            """CREATE TABLE event_notices (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                registration_id INTEGER NOT NULL
                    REFERENCES event_registrations (id) ON DELETE CASCADE,
                event_id INTEGER NOT NULL REFERENCES calendar_events (id) ON DELETE CASCADE,
                user_id TEXT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('moved_up', 'changed', 'cancelled')),
                old TEXT,
                created_at REAL NOT NULL,
                UNIQUE (registration_id, kind)
            )""",
            "CREATE INDEX event_notices_by_user ON event_notices (user_id)",
        ),
    ),
)


async def schema_version(conn: aiosqlite.Connection) -> int:
    """The highest migration applied to this database (0 for a new one)."""
    async with conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def migrate(
    conn: aiosqlite.Connection, migrations: tuple[Migration, ...] = MIGRATIONS
) -> int:
    """Apply pending migrations in order, one transaction each; return the new version."""
    await conn.execute(
        """CREATE TABLE IF NOT EXISTS schema_version (
            version INTEGER PRIMARY KEY,
            description TEXT NOT NULL,
            applied_at REAL NOT NULL
        )"""
    )
    current = await schema_version(conn)
    latest = migrations[-1].version if migrations else 0
    if current > latest:
        raise DatabaseTooNewError(
            f"the database has schema version {current}, but this Klimabot knows only up to "
            f"{latest}; upgrade Klimabot or restore a backup"
        )
    await _check_applied(conn, migrations)
    for step in migrations:
        if step.version > current:
            await _apply(conn, step)
    return await schema_version(conn)


async def _check_applied(conn: aiosqlite.Connection, migrations: tuple[Migration, ...]) -> None:
    """Refuse a database whose applied steps are described differently from this code's."""
    known = {step.version: step.description for step in migrations}
    async with conn.execute("SELECT version, description FROM schema_version") as cursor:
        applied = await cursor.fetchall()
    for version, description in applied:
        expected = known.get(int(version))
        if expected is not None and description != expected:
            raise DatabaseMismatchError(
                f"schema step {version} of the database is {description!r}, but this Klimabot's "
                f"step {version} is {expected!r}: the database comes from a development version "
                "whose steps were renumbered; start with a new data directory or restore a backup"
            )


async def _apply(conn: aiosqlite.Connection, step: Migration) -> None:
    await conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in step.statements:
            await conn.execute(statement)
        await conn.execute(
            "INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)",
            (step.version, step.description, time.time()),
        )
    except BaseException:
        await conn.execute("ROLLBACK")
        raise
    await conn.execute("COMMIT")
