-- A project for bench/pg/claim-submit.sql as the API makes one: with
-- paid = 1 rates (l1 7) and funded escrow, held and funding accounts; its
-- members (users first_uid..last_uid) and `tasks` queued L1 tasks. psql
-- variables: now (ms), paid (0|1), tasks, first_uid, last_uid. Prints the
-- project's id.
INSERT INTO projects (name, created_at, label_config, currency, policies, rates, status,
                      created_by, updated_at)
VALUES ('pgbench claim', :now,
        '<View><Text name="text" value="$text"/><Labels name="label" toName="text"><Label value="PER"/><Label value="ORG"/></Labels></View>',
        'USD', '{"lease_seconds":600,"max_attempts":3,"max_reworks":2,"items_per_task":1,"overlap":1,"rework_grace_seconds":300,"l3_sample_rate":1.0,"pay_overturned_l2":false}',
        CASE WHEN :paid = 1 THEN '{"l1":7,"l2":3,"l3":1}' ELSE '{}' END, 'active', NULL, :now)
RETURNING id AS pid \gset
INSERT INTO project_members (project_id, user_id, role, created_at)
SELECT :pid, id, 'annotator', :now FROM users WHERE id BETWEEN :first_uid AND :last_uid;
-- Escrow and held in LF_LEDGER_SHARDS (16) shards each, escrow first (the
-- ledger's lock order, ledger.h), the deposit spread evenly over them.
INSERT INTO ledger_accounts (kind, project_id, user_id, currency, shard, balance)
SELECT k, :pid, 0, 'USD', sh, CASE k WHEN 'external_funding' THEN -1000000000000
                                     WHEN 'escrow' THEN 1000000000000 / 16 ELSE 0 END
FROM (SELECT 'external_funding' AS k, 0 AS sh, 0 AS o
      UNION ALL SELECT 'escrow', sh, 1 FROM generate_series(0, 15) AS sh
      UNION ALL SELECT 'held', sh, 2 FROM generate_series(0, 15) AS sh) a
WHERE :paid = 1 ORDER BY o, sh;
INSERT INTO tasks (project_id, state, priority, data, created_at, updated_at)
SELECT :pid, 'queued_l1', 0,
       '{"text":"Task ' || x || ': Ada Lovelace met Charles Babbage at the Royal Society."}', :now, :now
FROM generate_series(1, :tasks) AS x ORDER BY x;
SELECT :pid;
