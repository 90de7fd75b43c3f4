-- V2: cluster mode's shard ownership. Runs like V1 (search_path set to the journal's schema, in the migration
-- transaction). Add-only, so a node still running the previous version keeps working: it names its columns, and the
-- new column is nullable with no default (a catalog change, no table rewrite).

-- The shard a message belongs to in cluster mode; NULL for messages of single-node mode and of older versions.
ALTER TABLE messages ADD COLUMN shard integer;

-- A new owner's recovery of one shard: its unfinished messages and its pending replies, in acceptance order.
CREATE INDEX messages_shard_unfinished ON messages (shard, sequence) WHERE outcome IS NULL;
CREATE INDEX messages_shard_reply_pending ON messages (shard, sequence) WHERE reply_state = 'pending';

-- One row per shard ever owned: its current ownership epoch. Taking a shard increments the epoch in one statement
-- (compare-and-set by the row lock), so the newest owner always holds the highest epoch; every journal write of the
-- shard checks, in its own statement, that the epoch it was given is still the row's and not released.
CREATE TABLE shard_owners (
  shard        integer PRIMARY KEY,
  epoch        bigint  NOT NULL,
  owner        text    NOT NULL,   -- the node that took it (for operators; fencing uses the epoch only)
  acquired_at  bigint  NOT NULL,   -- epoch ms
  released_at  bigint              -- set when the owner handed it off; NULL while owned
);
