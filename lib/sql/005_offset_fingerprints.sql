-- 005: what the last counted message of each partition looked like.
--
-- A stored offset inside the partition's log does not prove it is the
-- same log: a topic deleted, re-created and refilled past the stored
-- offset would otherwise have its first records skipped unseen. With each
-- batch the consumer stores a fingerprint of the last message it counted
-- in each partition (a 64-bit hash of its key and value); on assignment it
-- reads that message again and compares. A deliberate move (ftz offsets
-- reset, --on-gap skip) clears it: the next commit stores a new one.
ALTER TABLE ftz.consumer_offsets ADD COLUMN last_fingerprint bigint;
COMMENT ON COLUMN ftz.consumer_offsets.last_fingerprint IS
  'hash of the key and value of the message at next_offset - 1, as counted; NULL: unknown';

DROP FUNCTION ftz.advance_offsets(text, text[], integer[], bigint[], bigint[]);

-- As in 004, and each partition's fingerprint stored with its offset.
CREATE FUNCTION ftz.advance_offsets(p_group text, p_topics text[], p_partitions integer[],
                                    p_expected bigint[], p_next bigint[],
                                    p_fingerprints bigint[])
RETURNS void LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
    i integer;
    n integer;
BEGIN
    FOR i IN 1 .. coalesce(array_length(p_topics, 1), 0) LOOP
        IF p_expected[i] < 0 THEN
            INSERT INTO ftz.consumer_offsets (consumer_group, topic, partition, next_offset,
                                              last_fingerprint)
            VALUES (p_group, p_topics[i], p_partitions[i], p_next[i], p_fingerprints[i])
            ON CONFLICT DO NOTHING;
        ELSE
            UPDATE ftz.consumer_offsets SET next_offset = p_next[i],
                   last_fingerprint = p_fingerprints[i], updated_at = now()
            WHERE consumer_group = p_group AND topic = p_topics[i]
              AND partition = p_partitions[i] AND next_offset = p_expected[i];
        END IF;
        GET DIAGNOSTICS n = ROW_COUNT;
        IF n <> 1 THEN
            RAISE EXCEPTION USING ERRCODE = 'FZ001',
                MESSAGE = format('%s [%s]: stored offset is no longer %s; another consumer has taken the partition',
                                 p_topics[i], p_partitions[i],
                                 CASE WHEN p_expected[i] < 0 THEN 'unset' ELSE p_expected[i]::text END);
        END IF;
    END LOOP;
END $$;
