-- V3: human handoff. One row per paused conversation; deleted when it resumes. Times are epoch milliseconds.
-- Read once at start (recovery); written only when a pause starts or ends, never per message.
CREATE TABLE contact_pauses (
  account      TEXT    NOT NULL,
  contact_id   TEXT    NOT NULL,
  paused_at    INTEGER NOT NULL,
  paused_until INTEGER NOT NULL,   -- resumes by itself then (handoff.pauseTtl): a restart resumes the countdown
  paused_by    TEXT    NOT NULL,   -- operator | agent | business
  reason       TEXT,
  PRIMARY KEY (account, contact_id)
);
