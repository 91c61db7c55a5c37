-- Annotators for bench/pg/claim-submit.sql, each with a live session whose
-- id is the user's id (the script can name it). psql variables: clients, now (ms). Prints the
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
