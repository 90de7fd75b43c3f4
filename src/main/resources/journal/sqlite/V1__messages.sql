-- V1: the journal's tables. Every time is epoch milliseconds.
-- Applied by SqliteSchema in one transaction, after PRAGMA auto_vacuum = INCREMENTAL (it must precede the first
-- table); PRAGMA user_version records the version applied.

-- One row per accepted message, from acceptance until it is purged (finished, reply not pending, past retention).
CREATE TABLE messages (
  sequence       INTEGER PRIMARY KEY AUTOINCREMENT, -- acceptance order across the journal; never reused
  process_id     TEXT    NOT NULL UNIQUE,
  account        TEXT    NOT NULL,                  -- (account, contact_id): the conversation
  contact_id     TEXT    NOT NULL,
  dedup_key      TEXT,                              -- the provider's message id or the idempotency key; NULL: none
  message        TEXT    NOT NULL,                  -- InboundMessage.toJson()
  format_version INTEGER NOT NULL,                  -- version of the message JSON's layout (1)
  accepted_at    INTEGER NOT NULL,
  attempts       INTEGER NOT NULL DEFAULT 0,        -- agent calls started
  lease_token    INTEGER,                           -- of the last started call
  started_at     INTEGER,
  outcome        TEXT,                              -- final outcome; NULL while unfinished
  error          TEXT,
  reply          TEXT,                              -- the outbox: the reply to deliver
  reply_state    TEXT,                              -- none | pending | delivered | failed; NULL while unfinished
  reply_at       INTEGER,                           -- when the reply was delivered or given up
  finished_at    INTEGER,
  replay_of      TEXT                               -- the dead letter this message replays
);

-- Recovery reads these two in acceptance order; partial indexes stay as small as the unfinished work.
CREATE INDEX messages_unfinished ON messages (sequence) WHERE outcome IS NULL;
CREATE INDEX messages_pending_replies ON messages (sequence) WHERE reply_state = 'pending';
CREATE INDEX messages_dead_letters ON messages (sequence)
  WHERE outcome IN ('failed', 'timed_out') OR reply_state = 'failed';
-- No index on finished_at or on (account, contact_id): every index costs the single writer time on each row (an
-- interleaved benchmark: these two cost a quarter of the durable rate). The purge walks the oldest rows by sequence
-- (finished rows are mostly the oldest), and a conversation's export or erase -- an operator's rare request -- scans.

-- Durable duplicate detection: a key taken at or after the dedup window's start makes a redelivery a duplicate.
-- Taken in the append's transaction (INSERT ... ON CONFLICT ... DO UPDATE ... WHERE taken_at < window start).
CREATE TABLE dedup_keys (
  account    TEXT    NOT NULL,
  contact_id TEXT    NOT NULL,
  dedup_key  TEXT    NOT NULL,
  taken_at   INTEGER NOT NULL,
  process_id TEXT    NOT NULL,
  PRIMARY KEY (account, contact_id, dedup_key)
);
CREATE INDEX dedup_keys_taken_at ON dedup_keys (taken_at);

-- The health probe: row 1 holds the last check; a 64 KiB row written and deleted in the same transaction makes the
-- probe fail when the file has no room left for that much (disk full, or max_page_count reached).
CREATE TABLE journal_probe (
  id         INTEGER PRIMARY KEY,
  checked_at INTEGER NOT NULL,
  headroom   BLOB
);
