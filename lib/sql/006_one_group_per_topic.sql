-- 006: one consumer group per topic, enforced by the database; dead letters
-- told apart by what they hold, not only where it was.

-- The aggregate tables hold one count of each topic: a second consumer
-- group reading the same topic into the same database would count every
-- record twice. The consumer checks for that when it starts, but two
-- groups starting at once both pass that check; the first offset a group
-- stores for a topic claims the topic here, in the same transaction, and a
-- second group's claim fails (SQLSTATE FZ002) however the two are timed.
CREATE TABLE ftz.topic_groups (
    topic           text        PRIMARY KEY,
    consumer_group  text        NOT NULL,
    claimed_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE ftz.topic_groups IS
  'The one consumer group whose offsets of each topic this database holds. To hand a topic to another group on purpose: delete its row and the old group''s rows in ftz.consumer_offsets.';
INSERT INTO ftz.topic_groups (topic, consumer_group)
SELECT topic, min(consumer_group) FROM ftz.consumer_offsets GROUP BY topic;

CREATE FUNCTION ftz.claim_topic(p_topic text, p_group text)
RETURNS void LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
    owner text;
BEGIN
    INSERT INTO ftz.topic_groups (topic, consumer_group) VALUES (p_topic, p_group)
    ON CONFLICT (topic) DO NOTHING;
    SELECT consumer_group INTO owner FROM ftz.topic_groups WHERE topic = p_topic;
    IF owner IS DISTINCT FROM p_group THEN
        RAISE EXCEPTION USING ERRCODE = 'FZ002',
            MESSAGE = format('this database already aggregates %s for consumer group "%s"; a second group would count every record twice. Run with -g %s, or use another database',
                             p_topic, owner, owner);
    END IF;
END $$;

DROP FUNCTION ftz.advance_offsets(text, text[], integer[], bigint[], bigint[], bigint[]);

-- As in 005; a partition's first offset also claims its topic.
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
            PERFORM ftz.claim_topic(p_topics[i], p_group);
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

-- A dead letter is one message: where it was (topic, partition, offset)
-- and what it held. A topic deleted and re-created reuses offsets, so a
-- new rejected record at an old dead letter's offset is a new row; the
-- same message delivered again is not.
ALTER TABLE ftz.dead_letters ADD COLUMN message_md5 text
    GENERATED ALWAYS AS (md5(coalesce(record_key, '\x'::bytea) || '\x00'::bytea
                             || coalesce(payload, '\x'::bytea))) STORED;
ALTER TABLE ftz.dead_letters
    DROP CONSTRAINT dead_letters_source_topic_source_partition_source_offset_key;
ALTER TABLE ftz.dead_letters ADD CONSTRAINT dead_letters_message_key
    UNIQUE (source_topic, source_partition, source_offset, message_md5);
COMMENT ON COLUMN ftz.dead_letters.message_md5 IS
  'md5 of the key, a zero byte and the value: with the source position, what makes a dead letter one message';
