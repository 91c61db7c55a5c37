-- The PostgreSQL floor of issue 17: the least schema that does the work of
-- a claim + submit pair (a task queue read by SKIP LOCKED on a partial
-- index, a hold row, an audit row per transition, an annotation row),
-- as given in the issue's appendix, and TASKS queued tasks (psql -v
-- tasks=N, default 300000). Drops and remakes the tables, so every run of
-- bench/pg/floor-pair.sql starts at the head of a full queue. Nothing of
-- LabelFlow's schema is used: run it in a database of its own.
-- -v holds_index=1 adds an index on holds(task_id), which the appendix
-- lacks: without it every submit's hold update scans all holds, so the
-- floor falls as a run goes on (by a fifth to a third over 20 s here).
\if :{?tasks}
\else
\set tasks 300000
\endif
\if :{?holds_index}
\else
\set holds_index 0
\endif
DROP TABLE IF EXISTS tasks, audit, holds, annotations;
CREATE TABLE tasks(id bigserial PRIMARY KEY, project_id int NOT NULL, state text NOT NULL,
  lease_owner int, lease_expires bigint, priority int NOT NULL DEFAULT 0, data text, updated_at bigint);
CREATE TABLE audit(id bigserial PRIMARY KEY, ts bigint, actor int, action text, task_id bigint, details text);
CREATE TABLE holds(id bigserial PRIMARY KEY, task_id bigint, user_id int, amount bigint, status text);
CREATE TABLE annotations(id bigserial PRIMARY KEY, task_id bigint, author int, result text, created_at bigint);
CREATE INDEX tasks_q1 ON tasks(project_id, priority DESC, id) WHERE state = 'queued_l1';
\if :holds_index
CREATE INDEX holds_task ON holds(task_id);
\endif
-- The same task text as bench/claim.sh gives LabelFlow's tasks.
INSERT INTO tasks(project_id, state, priority, data, updated_at)
SELECT 1, 'queued_l1', 0,
       '{"text":"Task ' || x || ': Ada Lovelace met Charles Babbage at the Royal Society."}',
       (extract(epoch FROM now()) * 1000)::bigint
FROM generate_series(1, :tasks) AS x;
VACUUM (ANALYZE) tasks, audit, holds, annotations;
CHECKPOINT;
