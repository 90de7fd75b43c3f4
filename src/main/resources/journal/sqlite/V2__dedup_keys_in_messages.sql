-- V2: duplicate detection reads each message's own dedup_key (the writer keeps an index of them in memory, rebuilt
-- at open): the dedup_keys table, whose random-key B-tree cost the writer a WAL page per append, goes.
-- A message whose key V1 had forgotten (dropOldest) or that another message took over must not bring it back.
UPDATE messages SET dedup_key = NULL
WHERE dedup_key IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM dedup_keys WHERE dedup_keys.process_id = messages.process_id);

DROP TABLE dedup_keys;
