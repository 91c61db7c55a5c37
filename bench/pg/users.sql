-- Annotators for bench/pg/claim-submit.sql, each with a live session whose
-- id is the user's id (the script can name it), and a first audit record
-- when the chain is empty. psql variables: clients, now (ms). Prints the
-- first and last user id (the ids are contiguous: one INSERT, one session).
WITH u AS (
  INSERT INTO users (email, name, role, password_hash, created_at, updated_at)
  SELECT 'pgbench-' || :now || '-' || i || '@example.org', 'Annotator ' || i, 'annotator', 'x',
         :now, :now
  FROM generate_series(1, :clients) AS i ORDER BY i
  RETURNING id),
s AS (
  INSERT INTO sessions (id, user_id, created_at, expires_at)
  SELECT id::text, id, :now, :now + 86400000 FROM u)
SELECT min(id) || ' ' || max(id) FROM u HAVING max(id) - min(id) + 1 = count(*);
INSERT INTO audit_log (seq, ts, action, entity_type, details, prev_hash, hash)
SELECT 1, :now, 'bench.start', 'system', '{}', repeat('0', 64), repeat('1', 64)
WHERE NOT EXISTS (SELECT 1 FROM audit_log);
