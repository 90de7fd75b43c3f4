-- V3: human handoff. Runs like V1 (search_path set to the journal's schema, in the migration transaction). Add-only:
-- a node of the previous version never reads or writes this table.

-- One row per paused conversation; deleted when it resumes. Read once at start, written only when a pause starts or
-- ends (never per message).
CREATE TABLE contact_pauses (
  account      text   NOT NULL,
  contact_id   text   NOT NULL,
  paused_at    bigint NOT NULL,   -- epoch ms, like every time below
  paused_until bigint NOT NULL,   -- resumes by itself then (handoff.pauseTtl): a restart resumes the countdown
  paused_by    text   NOT NULL,   -- operator | agent | business
  reason       text,
  shard        integer,           -- cluster mode: the conversation's shard (NULL in single-node mode)
  PRIMARY KEY (account, contact_id)
);
CREATE INDEX contact_pauses_shard ON contact_pauses (shard);
