-- 003: every deliberate move of a consumer group's stored offsets.
--
-- ftz.consumer_offsets says where each group is; nothing but the consumer's
-- own commits should move it. When an operator moves it on purpose (`ftz
-- offsets reset`) or the consumer skips a range it cannot read (`ftz
-- aggregate --on-gap skip`), the move is written here in the same
-- transaction as the new offset, so that every record skipped or read
-- twice can be traced to who moved the position, when and why.

CREATE TABLE ftz.offset_moves (
    id              bigserial   PRIMARY KEY,
    moved_at        timestamptz NOT NULL DEFAULT now(),
    consumer_group  text        NOT NULL,
    topic           text        NOT NULL,
    partition       integer     NOT NULL CHECK (partition >= 0),
    -- NULL: the group had no stored offset for the partition (it would
    -- have started at the log start).
    from_offset     bigint      CHECK (from_offset >= 0),
    to_offset       bigint      NOT NULL CHECK (to_offset >= 0),
    kind            text        NOT NULL CHECK (kind IN ('reset', 'gap_skip')),
    moved_by        text        NOT NULL,
    reason          text        NOT NULL CHECK (reason <> ''),
    -- The partition's first offset and next (end) offset in Kafka when the
    -- move was made; NULL when they were not known.
    log_start       bigint,
    log_end         bigint
);
COMMENT ON TABLE ftz.offset_moves IS
  'Every deliberate move of ftz.consumer_offsets.next_offset, written in the same transaction as the move.';
COMMENT ON COLUMN ftz.offset_moves.from_offset IS
  'next_offset before the move; NULL when no offset was stored';
COMMENT ON COLUMN ftz.offset_moves.kind IS
  'reset: ftz offsets reset by an operator; gap_skip: offsets the consumer skipped under --on-gap skip';
COMMENT ON COLUMN ftz.offset_moves.moved_by IS
  'OS user@hostname of the process that moved it, and the PostgreSQL user';
COMMENT ON COLUMN ftz.offset_moves.log_start IS
  'first offset of the partition in Kafka at the time of the move';
COMMENT ON COLUMN ftz.offset_moves.log_end IS
  'next (end) offset of the partition in Kafka at the time of the move';

-- `ftz offsets history -g GROUP --topic T`: newest first.
CREATE INDEX offset_moves_group_topic_idx
    ON ftz.offset_moves (consumer_group, topic, moved_at DESC);
