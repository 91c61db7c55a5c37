-- One claim (L1) and one submit, statement for statement as `labelflow
-- serve` sends them on PostgreSQL (logged with log_statement = all from one
-- claim + submit through the API, steady state: the project's accounts
-- exist; `bench/pgbench-claim.sh statements` prints the current build's
-- sequence). The schema must come from the same build (audit records are
-- appended unsealed since migration 15). Run by bench/pgbench-claim.sh with -M prepared; each
-- client is one annotator. Variables (-D): project, first_uid, now (ms), audit (0|1),
-- paid (0|1). A session's id is its user's id (see the populate step).
-- Where the server binds a value the script writes a literal; JSON literals
-- spell their colons \x3a, since pgbench takes ":name" for a variable.
\set uid :first_uid + :client_id
\set lease_expires :now + 600000

-- ---- POST /projects/{id}/claim ----
-- Authentication and membership run outside the transaction (autocommit).
SELECT u.id, u.email, u.name, u.role, u.active, u.created_at, u.updated_at FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = :uid::text AND s.user_id = :uid AND s.revoked_at IS NULL AND s.expires_at > :now AND u.active = 1;
SELECT m.role FROM projects p LEFT JOIN project_members m ON m.project_id = p.id AND m.user_id = :uid WHERE p.id = :project;
BEGIN;
SELECT id FROM tasks WHERE project_id = :project AND state = 'queued_l1' AND rework_owner = :uid ORDER BY priority DESC, id LIMIT 1 FOR NO KEY UPDATE SKIP LOCKED;
SELECT t.id AS task_id FROM tasks t WHERE t.project_id = :project AND t.state = 'queued_l1' AND (t.rework_owner IS NULL OR t.rework_owner = :uid OR t.rework_until < :now) AND NOT EXISTS (SELECT 1 FROM task_work w WHERE w.task_id = t.id AND w.user_id = :uid AND ((w.stage = 1 AND w.status = 'done') OR (w.stage > 1 AND w.status IN ('done', 'voided')))) ORDER BY t.priority DESC, t.id LIMIT 1 FOR NO KEY UPDATE SKIP LOCKED \gset
SELECT id, project_id, import_id, import_seq, task_type, state, priority, data, predictions, lease_owner, lease_expires, attempts, reworks, annotations_done, rework_owner, rework_until, sampled_l3, last_comment, created_at, updated_at FROM tasks WHERE id = :task_id FOR NO KEY UPDATE;
SELECT id, name, description, instructions, label_config, currency, policies, rates, task_types, status, created_by, created_at, updated_at FROM projects WHERE id = :project;
SET LOCAL synchronous_commit = off;
INSERT INTO task_work (task_id, project_id, user_id, stage, status, started_at) VALUES (:task_id, :project, :uid, 1, 'active', :now) RETURNING id AS work_id \gset
\if :paid
SELECT balance FROM ledger_accounts WHERE kind = 'escrow' AND project_id = :project AND user_id = 0 AND currency = 'USD';
INSERT INTO holds (work_id, task_id, project_id, user_id, stage, amount, status, created_at, updated_at) VALUES (:work_id, :task_id, :project, :uid, 1, 7, 'held', :now, :now) RETURNING id AS hold_id \gset
SELECT currency FROM projects WHERE id = :project;
INSERT INTO ledger_txns (kind, project_id, currency, task_id, hold_id, deposit_id, payout_item_id, actor_id, memo, created_at) VALUES ('hold', :project, 'USD', :task_id, :hold_id, NULL, NULL, :uid, NULL, :now) RETURNING id AS txn_id \gset
SELECT id AS escrow_id FROM ledger_accounts WHERE kind = 'escrow' AND project_id = :project AND user_id = 0 AND currency = 'USD' \gset
SELECT id AS held_id FROM ledger_accounts WHERE kind = 'held' AND project_id = :project AND user_id = 0 AND currency = 'USD' \gset
INSERT INTO ledger_entries (txn_id, account_id, amount) VALUES (:txn_id, :escrow_id, -7);
UPDATE ledger_accounts SET balance = balance + -7 WHERE id = :escrow_id;
INSERT INTO ledger_entries (txn_id, account_id, amount) VALUES (:txn_id, :held_id, 7);
UPDATE ledger_accounts SET balance = balance + 7 WHERE id = :held_id;
\endif
UPDATE tasks SET state = 'locked_l1', lease_owner = :uid, lease_expires = :lease_expires, attempts = 0, reworks = 0, annotations_done = 0, rework_owner = NULL, rework_until = NULL, sampled_l3 = 1, last_comment = NULL, updated_at = :now, priority = 0 WHERE id = :task_id AND state = 'queued_l1';
\if :audit
INSERT INTO audit_log (ts, actor_id, actor_role, action, entity_type, entity_id, project_id, task_id, from_state, to_state, details) VALUES (:now, :uid, 'annotator', 'task.claim', 'task', :task_id, :project, :task_id, 'queued_l1', 'locked_l1', E'{"attempts"\x3a0,"escalated"\x3afalse,"lease_expires"\x3a1795972374227,"reworks"\x3a0,"work_id"\x3a1}');
\endif
COMMIT;

-- ---- POST /tasks/{id}/submit ----
SELECT u.id, u.email, u.name, u.role, u.active, u.created_at, u.updated_at FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = :uid::text AND s.user_id = :uid AND s.revoked_at IS NULL AND s.expires_at > :now AND u.active = 1;
SELECT project_id FROM tasks WHERE id = :task_id;
SELECT m.role FROM projects p LEFT JOIN project_members m ON m.project_id = p.id AND m.user_id = :uid WHERE p.id = :project;
BEGIN;
SELECT id, project_id, import_id, import_seq, task_type, state, priority, data, predictions, lease_owner, lease_expires, attempts, reworks, annotations_done, rework_owner, rework_until, sampled_l3, last_comment, created_at, updated_at FROM tasks WHERE id = :task_id FOR NO KEY UPDATE;
SELECT id, name, description, instructions, label_config, currency, policies, rates, task_types, status, created_by, created_at, updated_at FROM projects WHERE id = :project;
SELECT id, task_id, project_id, user_id, stage, status, decision, comment, annotation_id, started_at, finished_at FROM task_work WHERE task_id = :task_id AND status = 'active' ORDER BY id DESC LIMIT 1;
INSERT INTO annotations (task_id, version, author_id, stage, kind, work_id, result, created_at) SELECT :task_id, COALESCE(MAX(version), 0) + 1, :uid, 1, 'annotation', :work_id, E'[{"id"\x3a"r1","from_name"\x3a"label","to_name"\x3a"text","type"\x3a"labels","value"\x3a{"start"\x3a0,"end"\x3a5,"labels"\x3a["PER"]}}]', :now FROM annotations WHERE task_id = :task_id RETURNING id AS annotation_id, version \gset
UPDATE task_work SET status = 'done', decision = 'submit', comment = NULL, annotation_id = :annotation_id, finished_at = :now WHERE id = :work_id AND status = 'active';
SELECT id, work_id, task_id, project_id, user_id, stage, amount, status, created_at, updated_at FROM holds WHERE work_id = :work_id;
\if :paid
UPDATE holds SET status = 'pending', updated_at = :now WHERE id = :hold_id AND status = 'held';
\endif
UPDATE tasks SET state = 'queued_l2', lease_owner = NULL, lease_expires = NULL, attempts = 0, reworks = 0, annotations_done = 1, rework_owner = NULL, rework_until = NULL, sampled_l3 = 1, last_comment = NULL, updated_at = :now, priority = 0 WHERE id = :task_id AND state = 'locked_l1';
\if :audit
INSERT INTO audit_log (ts, actor_id, actor_role, action, entity_type, entity_id, project_id, task_id, from_state, to_state, details) VALUES (:now, :uid, 'annotator', 'task.submit', 'task', :task_id, :project, :task_id, 'locked_l1', 'queued_l2', E'{"annotation_version"\x3a1,"attempts"\x3a0,"decision"\x3a"submit","escalated"\x3afalse,"reworks"\x3a0,"work_id"\x3a1}');
\endif
COMMIT;
