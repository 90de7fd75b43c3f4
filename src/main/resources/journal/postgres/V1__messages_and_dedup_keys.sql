-- V1: the journal's tables. Runs with search_path set to the journal's schema, inside the migration transaction
-- (under an advisory lock). Later migrations only add; never edit a migration that has shipped.

-- One row per accepted message, from acceptance to its delivered reply. sequence is the acceptance order.
CREATE TABLE messages (
  sequence     bigserial PRIMARY KEY,
  process_id   text    NOT NULL UNIQUE,
  account      text    NOT NULL,
  contact_id   text    NOT NULL,
  dedup_key    text,
  message      jsonb   NOT NULL,
  accepted_at  bigint  NOT NULL,             -- epoch ms, like every time below
  attempts     integer NOT NULL DEFAULT 0,   -- agent calls started
  lease_token  bigint,
  started_at   bigint,
  outcome      text,                         -- final outcome; NULL while unfinished
  error        text,
  reply        text,
  reply_state  text    NOT NULL DEFAULT 'none' CHECK (reply_state IN ('none', 'pending', 'delivered', 'failed')),
  finished_at  bigint,
  reply_at     bigint,                       -- when the reply was delivered or given up
  dead_at      bigint,                       -- when it became a dead letter (failed/timed_out, or reply failed)
  replay_of    text,
  format       integer NOT NULL DEFAULT 1    -- version of the message JSON layout
);

-- Recovery reads the unfinished messages and the pending replies in acceptance order.
CREATE INDEX messages_unfinished ON messages (sequence) WHERE outcome IS NULL;
CREATE INDEX messages_reply_pending ON messages (sequence) WHERE reply_state = 'pending';
-- Purge, dead letters, and a conversation's export / erasure.
CREATE INDEX messages_finished ON messages (finished_at) WHERE outcome IS NOT NULL;
CREATE INDEX messages_dead ON messages (dead_at DESC, sequence DESC) WHERE dead_at IS NOT NULL;
CREATE INDEX messages_conversation ON messages (account, contact_id, sequence);

-- The provider message ids seen per conversation: a key taken within the dedup window makes a duplicate. Kept apart
-- from messages so that a key outlives its purged message for as long as the window needs.
CREATE TABLE dedup_keys (
  account     text   NOT NULL,
  contact_id  text   NOT NULL,
  dedup_key   text   NOT NULL,
  taken_at    bigint NOT NULL,
  process_id  text   NOT NULL,
  PRIMARY KEY (account, contact_id, dedup_key)
);
CREATE INDEX dedup_keys_taken ON dedup_keys (taken_at);
