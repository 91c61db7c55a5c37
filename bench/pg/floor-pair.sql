\set now 1795972374227
BEGIN;
UPDATE tasks SET state = 'locked_l1', lease_owner = :client_id, lease_expires = :now::bigint + 600000, updated_at = :now
 WHERE id = (SELECT id FROM tasks WHERE project_id = 1 AND state = 'queued_l1'
             ORDER BY priority DESC, id LIMIT 1 FOR UPDATE SKIP LOCKED)
RETURNING id AS tid \gset
INSERT INTO holds(task_id, user_id, amount, status) VALUES (:tid, :client_id, 7, 'held');
INSERT INTO audit(ts, actor, action, task_id, details) VALUES (:now, :client_id, 'task.claim', :tid, '{"work_id":1}');
COMMIT;
BEGIN;
INSERT INTO annotations(task_id, author, result, created_at) VALUES (:tid, :client_id, '[{"value":{"start":0,"end":5,"labels":["PER"]}}]', :now);
UPDATE holds SET status = 'pending' WHERE task_id = :tid AND user_id = :client_id;
UPDATE tasks SET state = 'queued_l2', lease_owner = NULL, lease_expires = NULL, updated_at = :now WHERE id = :tid AND state = 'locked_l1';
INSERT INTO audit(ts, actor, action, task_id, details) VALUES (:now, :client_id, 'task.submit', :tid, '{"annotation_version":1}');
COMMIT;
