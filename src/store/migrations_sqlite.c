/*
 * migrations_sqlite.c - the SQLite schema, one entry per version.
 *
 * Never edit a released migration: add a new version. Times are integer
 * milliseconds since the epoch; money (later) is integer minor units.
 */
#include "store/db.h"

/* clang-format off */
const lf_migration lf_migrations_sqlite[] = {
	{1, "users, sessions, audit trail, projects",
	 "CREATE TABLE users ("
	 " id INTEGER PRIMARY KEY,"
	 " email TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	 " name TEXT NOT NULL,"
	 " role TEXT NOT NULL CHECK (role IN ('admin','annotator','reviewer','super_reviewer')),"
	 " password_hash TEXT NOT NULL,"
	 " active INTEGER NOT NULL DEFAULT 1,"
	 " created_at INTEGER NOT NULL,"
	 " updated_at INTEGER NOT NULL);"

	 /* A session is one refresh-token family: logout or a replayed
	  * refresh token revokes it, and with it every access token whose
	  * sid names it. */
	 "CREATE TABLE sessions ("
	 " id TEXT PRIMARY KEY,"
	 " user_id INTEGER NOT NULL REFERENCES users(id),"
	 " created_at INTEGER NOT NULL,"
	 " expires_at INTEGER NOT NULL,"
	 " revoked_at INTEGER,"
	 " revoke_reason TEXT);"
	 "CREATE INDEX sessions_user ON sessions(user_id) WHERE revoked_at IS NULL;"

	 "CREATE TABLE refresh_tokens ("
	 " token_hash TEXT PRIMARY KEY,"
	 " session_id TEXT NOT NULL REFERENCES sessions(id),"
	 " created_at INTEGER NOT NULL,"
	 " expires_at INTEGER NOT NULL,"
	 " used_at INTEGER);"

	 /* The audit trail is append-only: the triggers refuse UPDATE and
	  * DELETE through SQL, and the hash chain makes edits that bypass
	  * SQL (editing the file) detectable by `labelflow audit verify`. */
	 "CREATE TABLE audit_log ("
	 " seq INTEGER PRIMARY KEY,"
	 " ts INTEGER NOT NULL,"
	 " actor_id INTEGER,"
	 " actor_role TEXT,"
	 " action TEXT NOT NULL,"
	 " entity_type TEXT NOT NULL,"
	 " entity_id TEXT,"
	 " project_id INTEGER,"
	 " task_id INTEGER,"
	 " from_state TEXT,"
	 " to_state TEXT,"
	 " details TEXT NOT NULL,"
	 " prev_hash TEXT NOT NULL,"
	 " hash TEXT NOT NULL);"
	 "CREATE INDEX audit_project ON audit_log(project_id, seq) WHERE project_id IS NOT NULL;"
	 "CREATE INDEX audit_task ON audit_log(task_id, seq) WHERE task_id IS NOT NULL;"
	 "CREATE INDEX audit_actor ON audit_log(actor_id, seq);"
	 "CREATE INDEX audit_action ON audit_log(action, seq);"
	 "CREATE INDEX audit_ts ON audit_log(ts);"
	 "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_log"
	 " BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;"
	 "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_log"
	 " BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;"

	 "CREATE TABLE projects ("
	 " id INTEGER PRIMARY KEY,"
	 " name TEXT NOT NULL,"
	 " created_at INTEGER NOT NULL);"

	 /* A member may hold several roles in one project (annotate here,
	  * review there); separation of duties is enforced per task. */
	 "CREATE TABLE project_members ("
	 " project_id INTEGER NOT NULL REFERENCES projects(id),"
	 " user_id INTEGER NOT NULL REFERENCES users(id),"
	 " role TEXT NOT NULL CHECK (role IN ('annotator','reviewer','super_reviewer')),"
	 " created_at INTEGER NOT NULL,"
	 " PRIMARY KEY (project_id, user_id, role));"
	 "CREATE INDEX project_members_user ON project_members(user_id);"},
	{2, "projects with policies, tasks, work, annotations, imports, jobs",
	 "ALTER TABLE projects ADD COLUMN description TEXT NOT NULL DEFAULT '';"
	 "ALTER TABLE projects ADD COLUMN instructions TEXT NOT NULL DEFAULT '';"
	 "ALTER TABLE projects ADD COLUMN label_config TEXT NOT NULL DEFAULT '';"
	 "ALTER TABLE projects ADD COLUMN currency TEXT NOT NULL DEFAULT 'USD';"
	 /* Policies are a JSON object validated by the tasks module; the
	  * defaults live in code so that old rows inherit new defaults. */
	 "ALTER TABLE projects ADD COLUMN policies TEXT NOT NULL DEFAULT '{}';"
	 "ALTER TABLE projects ADD COLUMN rates TEXT NOT NULL DEFAULT '{}';"
	 "ALTER TABLE projects ADD COLUMN task_types TEXT NOT NULL DEFAULT '{}';"
	 "ALTER TABLE projects ADD COLUMN status TEXT NOT NULL DEFAULT 'active';"
	 "ALTER TABLE projects ADD COLUMN created_by INTEGER;"
	 "ALTER TABLE projects ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;"

	 "CREATE TABLE tasks ("
	 " id INTEGER PRIMARY KEY,"
	 " project_id INTEGER NOT NULL REFERENCES projects(id),"
	 " import_id INTEGER,"
	 " import_seq INTEGER,"
	 " task_type TEXT,"
	 " state TEXT NOT NULL CHECK (state IN ('queued_l1','locked_l1','queued_l2','locked_l2',"
	 "  'queued_l3','locked_l3','accepted','discarded')),"
	 " priority INTEGER NOT NULL DEFAULT 0,"
	 " data TEXT NOT NULL,"
	 " predictions TEXT,"
	 " lease_owner INTEGER,"
	 " lease_expires INTEGER,"
	 " attempts INTEGER NOT NULL DEFAULT 0,"
	 " reworks INTEGER NOT NULL DEFAULT 0,"
	 " annotations_done INTEGER NOT NULL DEFAULT 0,"
	 " rework_owner INTEGER,"
	 " rework_until INTEGER,"
	 " sampled_l3 INTEGER NOT NULL DEFAULT 1,"
	 " last_comment TEXT,"
	 " created_at INTEGER NOT NULL,"
	 " updated_at INTEGER NOT NULL);"
	 /* The claim query of each stage reads exactly one of these partial
	  * indexes: its WHERE matches the index condition and its ORDER BY the
	  * index order, so a claim touches the head of the queue only, however
	  * many tasks are finished. */
	 "CREATE INDEX tasks_queued_l1 ON tasks(project_id, priority DESC, id)"
	 " WHERE state = 'queued_l1';"
	 "CREATE INDEX tasks_queued_l2 ON tasks(project_id, priority DESC, id)"
	 " WHERE state = 'queued_l2';"
	 "CREATE INDEX tasks_queued_l3 ON tasks(project_id, priority DESC, id)"
	 " WHERE state = 'queued_l3';"
	 "CREATE INDEX tasks_rework ON tasks(project_id, rework_owner)"
	 " WHERE state = 'queued_l1' AND rework_owner IS NOT NULL;"
	 "CREATE INDEX tasks_leased ON tasks(lease_expires) WHERE lease_owner IS NOT NULL;"
	 "CREATE INDEX tasks_list ON tasks(project_id, state, id);"
	 "CREATE UNIQUE INDEX tasks_import ON tasks(import_id, import_seq)"
	 " WHERE import_id IS NOT NULL;"

	 /* One row per stint of work on a task: who held it at which stage,
	  * how it ended. Separation of duties, rework routing and (later)
	  * payment holds all read it. */
	 "CREATE TABLE task_work ("
	 " id INTEGER PRIMARY KEY,"
	 " task_id INTEGER NOT NULL REFERENCES tasks(id),"
	 " project_id INTEGER NOT NULL,"
	 " user_id INTEGER NOT NULL REFERENCES users(id),"
	 " stage INTEGER NOT NULL CHECK (stage BETWEEN 1 AND 3),"
	 " status TEXT NOT NULL CHECK (status IN ('active','done','released','expired',"
	 "  'voided','requeued')),"
	 " decision TEXT,"
	 " comment TEXT,"
	 " annotation_id INTEGER,"
	 " started_at INTEGER NOT NULL,"
	 " finished_at INTEGER);"
	 "CREATE INDEX task_work_task ON task_work(task_id, user_id);"
	 "CREATE INDEX task_work_user ON task_work(user_id, project_id, stage);"

	 /* Annotation versions are never overwritten: a correction or an
	  * override is a new version. */
	 "CREATE TABLE annotations ("
	 " id INTEGER PRIMARY KEY,"
	 " task_id INTEGER NOT NULL REFERENCES tasks(id),"
	 " version INTEGER NOT NULL,"
	 " author_id INTEGER NOT NULL REFERENCES users(id),"
	 " stage INTEGER NOT NULL,"
	 " kind TEXT NOT NULL CHECK (kind IN ('annotation','correction','override')),"
	 " work_id INTEGER REFERENCES task_work(id),"
	 " result TEXT NOT NULL,"
	 " created_at INTEGER NOT NULL,"
	 " UNIQUE (task_id, version));"

	 "CREATE TABLE imports ("
	 " id INTEGER PRIMARY KEY,"
	 " project_id INTEGER NOT NULL REFERENCES projects(id),"
	 " created_by INTEGER NOT NULL REFERENCES users(id),"
	 " status TEXT NOT NULL CHECK (status IN ('queued','running','done','failed')),"
	 " format TEXT NOT NULL,"
	 " filename TEXT,"
	 " blob_key TEXT NOT NULL,"
	 " bytes_total INTEGER NOT NULL,"
	 " bytes_done INTEGER NOT NULL DEFAULT 0,"
	 " items_total INTEGER,"
	 " items_done INTEGER NOT NULL DEFAULT 0,"
	 " tasks_created INTEGER NOT NULL DEFAULT 0,"
	 " skip_bad INTEGER NOT NULL DEFAULT 0,"
	 " skipped INTEGER NOT NULL DEFAULT 0,"
	 " errors TEXT,"
	 " error TEXT,"
	 " task_type TEXT,"
	 " priority INTEGER NOT NULL DEFAULT 0,"
	 " created_at INTEGER NOT NULL,"
	 " updated_at INTEGER NOT NULL);"
	 "CREATE INDEX imports_project ON imports(project_id, id);"

	 /* The background job queue: a job is leased by one worker at a time;
	  * a lease that runs out (the worker died) makes it runnable again. */
	 "CREATE TABLE jobs ("
	 " id INTEGER PRIMARY KEY,"
	 " kind TEXT NOT NULL,"
	 " payload TEXT NOT NULL,"
	 " status TEXT NOT NULL CHECK (status IN ('queued','running','done','failed')),"
	 " attempts INTEGER NOT NULL DEFAULT 0,"
	 " max_attempts INTEGER NOT NULL DEFAULT 5,"
	 " run_after INTEGER NOT NULL,"
	 " lease_owner TEXT,"
	 " lease_expires INTEGER,"
	 " last_error TEXT,"
	 " created_at INTEGER NOT NULL,"
	 " updated_at INTEGER NOT NULL);"
	 "CREATE INDEX jobs_ready ON jobs(run_after, id) WHERE status = 'queued';"
	 "CREATE INDEX jobs_running ON jobs(lease_expires) WHERE status = 'running';"},
	/* The rework lookup must match its ORDER BY too, or the planner reads
	 * the whole L1 queue through tasks_queued_l1 to find a user's rework. */
	{3, "rework index ordered like the claim",
	 "DROP INDEX tasks_rework;"
	 "CREATE INDEX tasks_rework ON tasks(project_id, rework_owner, priority DESC, id)"
	 " WHERE state = 'queued_l1' AND rework_owner IS NOT NULL;"},
	/* Money: a double-entry ledger in integer minor units. Balances are
	 * kept on the accounts (updated in the same transaction as the
	 * entries) so that the database itself refuses an internal account
	 * going negative; `labelflow ledger verify` recomputes them from the
	 * entries. project_id/user_id 0 mean "none" (NULLs would make the
	 * UNIQUE constraint ineffective). */
	{4, "ledger, holds, deposits, payouts",
	 "CREATE TABLE ledger_accounts ("
	 " id INTEGER PRIMARY KEY,"
	 " kind TEXT NOT NULL CHECK (kind IN ('external_funding','escrow','held','payable',"
	 "  'payouts_pending','external_payouts')),"
	 " project_id INTEGER NOT NULL,"
	 " user_id INTEGER NOT NULL,"
	 " currency TEXT NOT NULL,"
	 " balance INTEGER NOT NULL DEFAULT 0,"
	 " CHECK (kind = 'external_funding' OR balance >= 0),"
	 " UNIQUE (kind, project_id, user_id, currency));"
	 "CREATE INDEX ledger_accounts_user ON ledger_accounts(user_id, kind) WHERE user_id <> 0;"

	 "CREATE TABLE ledger_txns ("
	 " id INTEGER PRIMARY KEY,"
	 " kind TEXT NOT NULL,"
	 " project_id INTEGER NOT NULL,"
	 " currency TEXT NOT NULL,"
	 " task_id INTEGER,"
	 " hold_id INTEGER,"
	 " deposit_id INTEGER,"
	 " payout_item_id INTEGER,"
	 " actor_id INTEGER,"
	 " memo TEXT,"
	 " created_at INTEGER NOT NULL);"
	 "CREATE INDEX ledger_txns_project ON ledger_txns(project_id, id);"

	 "CREATE TABLE ledger_entries ("
	 " id INTEGER PRIMARY KEY,"
	 " txn_id INTEGER NOT NULL REFERENCES ledger_txns(id),"
	 " account_id INTEGER NOT NULL REFERENCES ledger_accounts(id),"
	 " amount INTEGER NOT NULL CHECK (amount <> 0));"
	 "CREATE INDEX ledger_entries_txn ON ledger_entries(txn_id);"
	 "CREATE INDEX ledger_entries_account ON ledger_entries(account_id, id);"
	 "CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries"
	 " BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;"
	 "CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries"
	 " BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;"

	 /* A hold is the pay reserved for one stint of work: held while the
	  * lease runs, pending once the work is done, earned when the task is
	  * accepted, released back to escrow otherwise. One per stint: a piece
	  * of work is paid at most once. */
	 "CREATE TABLE holds ("
	 " id INTEGER PRIMARY KEY,"
	 " work_id INTEGER NOT NULL UNIQUE REFERENCES task_work(id),"
	 " task_id INTEGER NOT NULL REFERENCES tasks(id),"
	 " project_id INTEGER NOT NULL,"
	 " user_id INTEGER NOT NULL,"
	 " stage INTEGER NOT NULL,"
	 " amount INTEGER NOT NULL CHECK (amount > 0),"
	 " status TEXT NOT NULL CHECK (status IN ('held','pending','released','earned')),"
	 " created_at INTEGER NOT NULL,"
	 " updated_at INTEGER NOT NULL);"
	 "CREATE INDEX holds_task ON holds(task_id, status);"
	 "CREATE INDEX holds_user ON holds(user_id, project_id, status);"
	 "CREATE INDEX holds_project_open ON holds(project_id) WHERE status IN ('held','pending');"

	 "CREATE TABLE deposits ("
	 " id INTEGER PRIMARY KEY,"
	 " project_id INTEGER NOT NULL REFERENCES projects(id),"
	 " kind TEXT NOT NULL CHECK (kind IN ('deposit','refund')),"
	 " amount INTEGER NOT NULL CHECK (amount > 0),"
	 " currency TEXT NOT NULL,"
	 " reference TEXT,"
	 " idempotency_key TEXT NOT NULL,"
	 " created_by INTEGER NOT NULL,"
	 " created_at INTEGER NOT NULL,"
	 " UNIQUE (project_id, idempotency_key));"

	 "CREATE TABLE payout_batches ("
	 " id INTEGER PRIMARY KEY,"
	 " idempotency_key TEXT NOT NULL UNIQUE,"
	 " adapter TEXT NOT NULL,"
	 " config TEXT NOT NULL DEFAULT '{}',"
	 " status TEXT NOT NULL CHECK (status IN ('queued','running','done','partial','failed')),"
	 " min_amount INTEGER NOT NULL,"
	 " statement_key TEXT,"
	 " created_by INTEGER NOT NULL,"
	 " created_at INTEGER NOT NULL,"
	 " updated_at INTEGER NOT NULL);"

	 "CREATE TABLE payout_items ("
	 " id INTEGER PRIMARY KEY,"
	 " batch_id INTEGER NOT NULL REFERENCES payout_batches(id),"
	 " project_id INTEGER NOT NULL,"
	 " user_id INTEGER NOT NULL,"
	 " currency TEXT NOT NULL,"
	 " amount INTEGER NOT NULL CHECK (amount > 0),"
	 " status TEXT NOT NULL CHECK (status IN ('pending','paid','failed')),"
	 " attempts INTEGER NOT NULL DEFAULT 0,"
	 " last_error TEXT,"
	 " external_ref TEXT,"
	 " created_at INTEGER NOT NULL,"
	 " updated_at INTEGER NOT NULL);"
	 "CREATE INDEX payout_items_batch ON payout_items(batch_id, id);"
	 "CREATE INDEX payout_items_user ON payout_items(user_id);"},
	{5, "exports",
	 "CREATE TABLE exports ("
	 " id INTEGER PRIMARY KEY,"
	 " project_id INTEGER NOT NULL REFERENCES projects(id),"
	 " created_by INTEGER NOT NULL REFERENCES users(id),"
	 " format TEXT NOT NULL,"
	 " filter TEXT NOT NULL DEFAULT '{}',"
	 " status TEXT NOT NULL CHECK (status IN ('queued','running','done','failed')),"
	 " tasks_total INTEGER NOT NULL DEFAULT 0,"
	 " tasks_done INTEGER NOT NULL DEFAULT 0,"
	 " bytes INTEGER NOT NULL DEFAULT 0,"
	 " blob_key TEXT,"
	 " report TEXT,"
	 " error TEXT,"
	 " created_at INTEGER NOT NULL,"
	 " updated_at INTEGER NOT NULL);"
	 "CREATE INDEX exports_project ON exports(project_id, id);"
	 /* Exports read accepted tasks by project in id order. */
	 "CREATE INDEX annotations_task_version ON annotations(task_id, version DESC);"},
	/* A replayed payout key is compared with the request that made the
	 * batch: which users it was for ("*" everyone, else its distinct ids
	 * sorted, "3,5,9"; "" none). NULL in batches made before: not
	 * compared. */
	{6, "payout batch users",
	 "ALTER TABLE payout_batches ADD COLUMN user_ids TEXT;"},
	/* Uploaded images, audio and video (src/media/): the blob, what its
	 * content says it is, and what probing found. Tasks point at a media
	 * item by URL in their data, so the table does not refer to tasks. */
	{7, "media",
	 "CREATE TABLE media ("
	 " id INTEGER PRIMARY KEY,"
	 " project_id INTEGER NOT NULL REFERENCES projects(id),"
	 " import_id INTEGER REFERENCES imports(id),"
	 " blob_key TEXT NOT NULL UNIQUE,"
	 " filename TEXT NOT NULL,"
	 " mime TEXT NOT NULL,"
	 " kind TEXT NOT NULL CHECK (kind IN ('image','audio','video')),"
	 " bytes INTEGER NOT NULL,"
	 " sha256 TEXT NOT NULL,"
	 " width INTEGER,"
	 " height INTEGER,"
	 " duration_ms INTEGER,"
	 " probe TEXT NOT NULL DEFAULT '{}',"
	 " created_at INTEGER NOT NULL);"
	 "CREATE INDEX media_project ON media(project_id, id);"},
	/* A segment cut from a long recording is a media item of its own
	 * (src/media/segment.c) that remembers its source and where on the
	 * source's timeline it lies (ms), so exports can map times back. */
	{8, "media segments",
	 "ALTER TABLE media ADD COLUMN source_id INTEGER REFERENCES media(id);"
	 "ALTER TABLE media ADD COLUMN segment_start_ms INTEGER;"
	 "ALTER TABLE media ADD COLUMN segment_end_ms INTEGER;"},
	/* The stint (task_work row) carries what belongs to it alone: the
	 * holder's unsaved draft, never shown to anyone else and dropped when
	 * the stint ends, and the time a closed page asked the task to be
	 * given back (src/tasks/beacon.c), cancelled by a heartbeat. The
	 * partial index keeps the sweeper's scan to the pending requests. An
	 * import says what to do with the annotations of Label Studio tasks:
	 * refuse the row, or keep them as prior annotations; imports made
	 * before were checked keeping them, so they default to that. */
	{9, "drafts, release requests, import annotations",
	 "ALTER TABLE task_work ADD COLUMN draft TEXT;"
	 "ALTER TABLE task_work ADD COLUMN draft_at INTEGER;"
	 "ALTER TABLE task_work ADD COLUMN release_due INTEGER;"
	 "CREATE INDEX task_work_release_due ON task_work(release_due)"
	 " WHERE release_due IS NOT NULL;"
	 "ALTER TABLE imports ADD COLUMN annotations TEXT NOT NULL DEFAULT 'prior'"
	 " CHECK (annotations IN ('refuse','prior'));"},
	/* Buckets connected to a project as datasets (src/sources/): each
	 * sync is a row with its counts; every object a sync has seen is
	 * remembered by (source, key), imported (media_id) or refused (the
	 * reason), so the next sync reads only keys it has not seen. Keys
	 * compare bytewise, the order in which object stores list them. A
	 * bucket object's media row points at its source and its blob_key is
	 * "sources/<source id>/<key>" (unique; the server's own store writes
	 * no such key); it is read in place, never copied. An export may be
	 * written to a bucket (target) instead of the server's store. */
	{10, "bucket sources",
	 "CREATE TABLE storage_sources ("
	 " id INTEGER PRIMARY KEY,"
	 " project_id INTEGER NOT NULL REFERENCES projects(id),"
	 " url TEXT NOT NULL,"
	 " created_by INTEGER NOT NULL REFERENCES users(id),"
	 " created_at INTEGER NOT NULL,"
	 " deleted_at INTEGER);"
	 "CREATE INDEX storage_sources_project ON storage_sources(project_id, id);"
	 "CREATE TABLE source_syncs ("
	 " id INTEGER PRIMARY KEY,"
	 " source_id INTEGER NOT NULL REFERENCES storage_sources(id),"
	 " created_by INTEGER NOT NULL REFERENCES users(id),"
	 " status TEXT NOT NULL CHECK (status IN ('queued','running','done','failed')),"
	 " listed INTEGER NOT NULL DEFAULT 0,"
	 " fresh INTEGER NOT NULL DEFAULT 0,"
	 " known INTEGER NOT NULL DEFAULT 0,"
	 " changed INTEGER NOT NULL DEFAULT 0,"
	 " refused INTEGER NOT NULL DEFAULT 0,"
	 " objects_read INTEGER NOT NULL DEFAULT 0,"
	 " tasks_created INTEGER NOT NULL DEFAULT 0,"
	 " report TEXT NOT NULL DEFAULT '{}',"
	 " error TEXT,"
	 " created_at INTEGER NOT NULL,"
	 " updated_at INTEGER NOT NULL);"
	 "CREATE INDEX source_syncs_source ON source_syncs(source_id, id);"
	 "CREATE TABLE source_objects ("
	 " source_id INTEGER NOT NULL REFERENCES storage_sources(id),"
	 " key TEXT NOT NULL,"
	 " size INTEGER NOT NULL,"
	 " etag TEXT,"
	 " media_id INTEGER REFERENCES media(id),"
	 " refused TEXT,"
	 " sync_id INTEGER NOT NULL REFERENCES source_syncs(id),"
	 " PRIMARY KEY (source_id, key));"
	 "ALTER TABLE media ADD COLUMN storage_source_id INTEGER REFERENCES storage_sources(id);"
	 "ALTER TABLE media ADD COLUMN source_etag TEXT;"
	 "ALTER TABLE exports ADD COLUMN target TEXT;"},
	/* The task listing (data manager) pages a project by id with any
	 * other filter optional; tasks_list leads with state, so with no
	 * state the planner sorted the whole project for every page (125 ms
	 * a page at 1,000,000 tasks). */
	{11, "task listing by id",
	 "CREATE INDEX tasks_project ON tasks(project_id, id);"},
	/* The data manager's other orders, paged by (key, id) keysets.
	 * Every transition moves a task in tasks_updated; a claim costs one
	 * more index entry rewritten for it. */
	{12, "task listing by update and priority",
	 "CREATE INDEX tasks_updated ON tasks(project_id, updated_at, id);"
	 "CREATE INDEX tasks_priority ON tasks(project_id, priority, id);"},
	/* A payout batch's minimum per currency ("EUR:1000,USD:500", codes
	 * sorted; "" none), compared on a replayed key like user_ids. NULL in
	 * batches made before: they had none. */
	{13, "payout minimums per currency",
	 "ALTER TABLE payout_batches ADD COLUMN min_amounts TEXT;"},
	/* Audit sealing (audit/seal.c): a transition appends its record with
	 * no seq, prev_hash, hash or batch, so it reads no chain tail; the
	 * sealer later sets those four once, in append (id) order, and closes
	 * each batch with a signed checkpoint. seq was the rowid, so the
	 * table is rebuilt around id; existing records keep their seq and
	 * hash (id = seq) and form batch 1, which the sealer's first run
	 * signs as the legacy checkpoint once it has verified their chain.
	 * The update trigger lets exactly that one sealing through: NULL to
	 * set for the four, every other column unchanged. Listings page by
	 * id now (an unsealed record has no seq), hence the indexes. */
	{14, "audit sealing",
	 "CREATE TABLE audit_log_sealed ("
	 " id INTEGER PRIMARY KEY,"
	 " seq INTEGER,"
	 " ts INTEGER NOT NULL,"
	 " actor_id INTEGER,"
	 " actor_role TEXT,"
	 " action TEXT NOT NULL,"
	 " entity_type TEXT NOT NULL,"
	 " entity_id TEXT,"
	 " project_id INTEGER,"
	 " task_id INTEGER,"
	 " from_state TEXT,"
	 " to_state TEXT,"
	 " details TEXT NOT NULL,"
	 " prev_hash TEXT,"
	 " hash TEXT,"
	 " batch INTEGER);"
	 "INSERT INTO audit_log_sealed SELECT seq, seq, ts, actor_id, actor_role, action,"
	 " entity_type, entity_id, project_id, task_id, from_state, to_state, details,"
	 " prev_hash, hash, 1 FROM audit_log ORDER BY seq;"
	 /* DROP TABLE's implicit delete fires no triggers, and drops them. */
	 "DROP TABLE audit_log;"
	 "ALTER TABLE audit_log_sealed RENAME TO audit_log;"
	 "CREATE UNIQUE INDEX audit_seq ON audit_log(seq) WHERE seq IS NOT NULL;"
	 "CREATE INDEX audit_unsealed ON audit_log(id) WHERE seq IS NULL;"
	 "CREATE INDEX audit_project ON audit_log(project_id, id) WHERE project_id IS NOT NULL;"
	 "CREATE INDEX audit_task ON audit_log(task_id, id) WHERE task_id IS NOT NULL;"
	 "CREATE INDEX audit_actor ON audit_log(actor_id, id);"
	 "CREATE INDEX audit_action ON audit_log(action, id);"
	 "CREATE INDEX audit_ts ON audit_log(ts);"
	 "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_log"
	 " WHEN NOT (OLD.seq IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL"
	 "  AND OLD.batch IS NULL AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL"
	 "  AND NEW.hash IS NOT NULL AND NEW.batch IS NOT NULL AND NEW.id = OLD.id"
	 "  AND NEW.ts IS OLD.ts AND NEW.actor_id IS OLD.actor_id"
	 "  AND NEW.actor_role IS OLD.actor_role AND NEW.action IS OLD.action"
	 "  AND NEW.entity_type IS OLD.entity_type AND NEW.entity_id IS OLD.entity_id"
	 "  AND NEW.project_id IS OLD.project_id AND NEW.task_id IS OLD.task_id"
	 "  AND NEW.from_state IS OLD.from_state AND NEW.to_state IS OLD.to_state"
	 "  AND NEW.details IS OLD.details)"
	 " BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;"
	 "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_log"
	 " BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;"
	 /* One row per sealed batch, chained by prev; see audit/checkpoint.h. */
	 "CREATE TABLE audit_checkpoints ("
	 " batch INTEGER PRIMARY KEY,"
	 " first_seq INTEGER NOT NULL,"
	 " last_seq INTEGER NOT NULL,"
	 " sealed_at INTEGER NOT NULL,"
	 " root TEXT NOT NULL,"
	 " prev TEXT NOT NULL,"
	 " hash TEXT NOT NULL,"
	 " signature TEXT NOT NULL,"
	 " key_id TEXT NOT NULL);"
	 "CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints"
	 " BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;"
	 "CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints"
	 " BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;"},
	/* A project's escrow and held accounts split into shards (ledger.h,
	 * LF_LEDGER_SHARDS), so that claims of different tasks update
	 * different balance rows; every other account is shard 0, and so are
	 * the accounts and holds made before. The shard joins the accounts'
	 * unique key, a table constraint SQLite cannot alter: the table is
	 * rebuilt, and ledger_entries with it, since SQLite with foreign keys
	 * on (always, here) refuses to drop a table whose rows other rows
	 * reference, and renaming the old table away would carry the entries'
	 * reference with it. Both copies keep every id. A hold remembers the
	 * shard it was reserved from, which its release, void or payment
	 * returns to (holds made before the shards came from shard 0). */
	{15, "ledger shards",
	 "CREATE TABLE ledger_accounts_sharded ("
	 " id INTEGER PRIMARY KEY,"
	 " kind TEXT NOT NULL CHECK (kind IN ('external_funding','escrow','held','payable',"
	 "  'payouts_pending','external_payouts')),"
	 " project_id INTEGER NOT NULL,"
	 " user_id INTEGER NOT NULL,"
	 " currency TEXT NOT NULL,"
	 " shard INTEGER NOT NULL DEFAULT 0"
	 "  CHECK (shard >= 0 AND (shard = 0 OR kind IN ('escrow','held'))),"
	 " balance INTEGER NOT NULL DEFAULT 0,"
	 " CHECK (kind = 'external_funding' OR balance >= 0),"
	 " UNIQUE (kind, project_id, user_id, currency, shard));"
	 "INSERT INTO ledger_accounts_sharded (id, kind, project_id, user_id, currency, balance)"
	 " SELECT id, kind, project_id, user_id, currency, balance FROM ledger_accounts;"
	 "CREATE TABLE ledger_entries_sharded ("
	 " id INTEGER PRIMARY KEY,"
	 " txn_id INTEGER NOT NULL REFERENCES ledger_txns(id),"
	 " account_id INTEGER NOT NULL REFERENCES ledger_accounts_sharded(id),"
	 " amount INTEGER NOT NULL CHECK (amount <> 0));"
	 "INSERT INTO ledger_entries_sharded (id, txn_id, account_id, amount)"
	 " SELECT id, txn_id, account_id, amount FROM ledger_entries;"
	 "DROP TABLE ledger_entries;"
	 "DROP TABLE ledger_accounts;"
	 /* Renaming also renames the entries' reference. */
	 "ALTER TABLE ledger_accounts_sharded RENAME TO ledger_accounts;"
	 "ALTER TABLE ledger_entries_sharded RENAME TO ledger_entries;"
	 "CREATE INDEX ledger_accounts_user ON ledger_accounts(user_id, kind) WHERE user_id <> 0;"
	 "CREATE INDEX ledger_entries_txn ON ledger_entries(txn_id);"
	 "CREATE INDEX ledger_entries_account ON ledger_entries(account_id, id);"
	 "CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries"
	 " BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;"
	 "CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries"
	 " BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;"
	 "ALTER TABLE holds ADD COLUMN shard INTEGER NOT NULL DEFAULT 0;"},
	/* Gold tasks (quality/gold.h): a gold task is a known answer, kept
	 * apart from the project's tasks; each time one is served, an
	 * annotator gets a task of their own copied from it (tasks.gold_id),
	 * so that claims, leases, holds and the audit trail treat it as any
	 * L1 task. gold_answers has one row per (gold task, annotator): the
	 * unique key is what keeps a person from seeing one gold task twice,
	 * also under concurrent claims. A member's suspension (automatic on
	 * low gold accuracy, or by an admin) is kept on their membership,
	 * where the access check already reads it. An import with
	 * annotations=gold makes gold tasks (imports.gold; store_imports.c
	 * says why it is a column of its own). */
	{16, "gold tasks, gold answers, member suspension",
	 "CREATE TABLE gold_tasks ("
	 " id INTEGER PRIMARY KEY,"
	 " project_id INTEGER NOT NULL REFERENCES projects(id),"
	 " task_type TEXT,"
	 " data TEXT NOT NULL,"
	 " predictions TEXT,"
	 " answer TEXT NOT NULL,"
	 " source_task_id INTEGER,"
	 " created_by INTEGER NOT NULL,"
	 " created_at INTEGER NOT NULL,"
	 " retired_at INTEGER,"
	 " import_id INTEGER,"
	 " import_seq INTEGER);"
	 "CREATE INDEX gold_tasks_project ON gold_tasks(project_id, id);"
	 "CREATE UNIQUE INDEX gold_tasks_import ON gold_tasks(import_id, import_seq)"
	 " WHERE import_id IS NOT NULL;"
	 "ALTER TABLE tasks ADD COLUMN gold_id INTEGER REFERENCES gold_tasks(id);"
	 "CREATE TABLE gold_answers ("
	 " task_id INTEGER PRIMARY KEY REFERENCES tasks(id),"
	 " gold_id INTEGER NOT NULL REFERENCES gold_tasks(id),"
	 " project_id INTEGER NOT NULL,"
	 " user_id INTEGER NOT NULL,"
	 " score_ppm INTEGER,"
	 " passed INTEGER,"
	 " served_at INTEGER NOT NULL,"
	 " answered_at INTEGER,"
	 " UNIQUE (gold_id, user_id));"
	 "CREATE INDEX gold_answers_user ON gold_answers(project_id, user_id);"
	 "ALTER TABLE project_members ADD COLUMN suspended_reason TEXT;"
	 "ALTER TABLE project_members ADD COLUMN suspended_at INTEGER;"
	 "ALTER TABLE project_members ADD COLUMN suspended_by INTEGER;"
	 "ALTER TABLE imports ADD COLUMN gold INTEGER NOT NULL DEFAULT 0;"
	 "ALTER TABLE project_members ADD COLUMN reinstated_at INTEGER;"},
	/* API tokens (personal access tokens, api/api_tokens.c): a row per
	 * token, found by its public prefix; only a hash of the secret is
	 * kept, so the table yields no usable token. role caps what the
	 * token may do and project_ids (a JSON array, NULL for all) where;
	 * the access check reads both with the user, in one statement. */
	{17, "api tokens",
	 "CREATE TABLE api_tokens ("
	 " id INTEGER PRIMARY KEY,"
	 " user_id INTEGER NOT NULL REFERENCES users(id),"
	 " name TEXT NOT NULL,"
	 " prefix TEXT NOT NULL UNIQUE,"
	 " hash TEXT NOT NULL,"
	 " role TEXT NOT NULL,"
	 " project_ids TEXT,"
	 " created_at INTEGER NOT NULL,"
	 " expires_at INTEGER,"
	 " last_used_at INTEGER,"
	 " revoked_at INTEGER);"
	 "CREATE INDEX api_tokens_user ON api_tokens(user_id, id);"},
	/* ML backends (ml/ml.h): a model server per row, with its
	 * credentials (never returned by the API) and the model version its
	 * /setup answered. ml_predictions is the bookkeeping of the
	 * predictions stored in tasks.predictions (which task has one of
	 * which backend and version, and its score), so that a retried job
	 * skips done tasks and the counts need no JSON scan; a refused
	 * answer goes to ml_prediction_errors instead. */
	{18, "ml backends",
	 "CREATE TABLE ml_backends ("
	 " id INTEGER PRIMARY KEY,"
	 " project_id INTEGER NOT NULL REFERENCES projects(id),"
	 " title TEXT NOT NULL,"
	 " url TEXT NOT NULL,"
	 " auth_kind TEXT NOT NULL DEFAULT 'none',"
	 " auth_user TEXT,"
	 " auth_secret TEXT,"
	 " model_version TEXT NOT NULL DEFAULT '',"
	 " state TEXT NOT NULL,"
	 " last_error TEXT,"
	 " auto_predict INTEGER NOT NULL DEFAULT 0,"
	 " batch_size INTEGER NOT NULL,"
	 " timeout_ms INTEGER NOT NULL,"
	 " concurrency INTEGER NOT NULL,"
	 " tasks_requested INTEGER NOT NULL DEFAULT 0,"
	 " tasks_done INTEGER NOT NULL DEFAULT 0,"
	 " created_by INTEGER NOT NULL,"
	 " created_at INTEGER NOT NULL,"
	 " updated_at INTEGER NOT NULL);"
	 "CREATE INDEX ml_backends_project ON ml_backends(project_id, id);"
	 "CREATE TABLE ml_predictions ("
	 " backend_id INTEGER NOT NULL REFERENCES ml_backends(id) ON DELETE CASCADE,"
	 " task_id INTEGER NOT NULL REFERENCES tasks(id),"
	 " model_version TEXT NOT NULL,"
	 " score_ppm INTEGER,"
	 " created_at INTEGER NOT NULL,"
	 " PRIMARY KEY (backend_id, task_id));"
	 "CREATE TABLE ml_prediction_errors ("
	 " id INTEGER PRIMARY KEY,"
	 " backend_id INTEGER NOT NULL REFERENCES ml_backends(id) ON DELETE CASCADE,"
	 " task_id INTEGER NOT NULL,"
	 " model_version TEXT NOT NULL,"
	 " error TEXT NOT NULL,"
	 " created_at INTEGER NOT NULL);"
	 "CREATE INDEX ml_prediction_errors_backend ON ml_prediction_errors(backend_id, id);"},
	/* Event webhooks (webhooks/webhooks.h). The audit trail is the
	 * outbox: the dispatcher reads sealed records after the one-row
	 * webhook_cursor and, in one transaction with advancing it, writes a
	 * delivery per (webhook, record, event); the unique key keeps a
	 * record from being dispatched twice to one webhook. The cursor
	 * starts at the newest sealed record, so an existing trail is not
	 * replayed. The secret is kept as given: it signs every request.
	 * escrow_low is whether ESCROW_LOW was announced and the project's
	 * escrow has not risen back above escrow_low_below since. drain_at
	 * is when the webhook's queued drain job runs (NULL: none queued),
	 * so new deliveries queue no second one. A pending delivery's
	 * next_attempt_at is also its lease while a drainer sends it;
	 * round_first is the attempt its round (first send or redelivery)
	 * began with. webhook_deliveries_due finds a webhook's due ones.
	 * Deliveries are AUTOINCREMENT: retention deletes old ones, and an id
	 * the log's paging or a redeliver link once named must never come
	 * back on another delivery. */
	{19, "event webhooks",
	 "CREATE TABLE webhooks ("
	 " id INTEGER PRIMARY KEY,"
	 " project_id INTEGER REFERENCES projects(id),"
	 " url TEXT NOT NULL,"
	 " events TEXT NOT NULL,"
	 " active INTEGER NOT NULL,"
	 " secret TEXT NOT NULL,"
	 " headers TEXT,"
	 " escrow_low_below INTEGER,"
	 " escrow_low INTEGER NOT NULL DEFAULT 0,"
	 " drain_at INTEGER,"
	 " created_by INTEGER NOT NULL,"
	 " created_at INTEGER NOT NULL,"
	 " updated_at INTEGER NOT NULL);"
	 "CREATE INDEX webhooks_project ON webhooks(project_id, id);"
	 "CREATE TABLE webhook_deliveries ("
	 " id INTEGER PRIMARY KEY AUTOINCREMENT,"
	 " webhook_id INTEGER NOT NULL REFERENCES webhooks(id),"
	 " audit_seq INTEGER,"
	 " event TEXT NOT NULL,"
	 " event_id TEXT NOT NULL,"
	 " payload TEXT NOT NULL,"
	 " status TEXT NOT NULL,"
	 " attempts INTEGER NOT NULL,"
	 " response_code INTEGER,"
	 " last_error TEXT,"
	 " response_excerpt TEXT,"
	 " duration_ms INTEGER,"
	 " created_at INTEGER NOT NULL,"
	 " last_attempt_at INTEGER,"
	 " next_attempt_at INTEGER,"
	 " delivered_at INTEGER,"
	 " round_first INTEGER NOT NULL DEFAULT 1,"
	 " UNIQUE (webhook_id, audit_seq, event));"
	 "CREATE INDEX webhook_deliveries_list ON webhook_deliveries(webhook_id, id);"
	 "CREATE INDEX webhook_deliveries_due ON webhook_deliveries(webhook_id, next_attempt_at)"
	 " WHERE status = 'pending';"
	 "CREATE TABLE webhook_cursor ("
	 " id INTEGER PRIMARY KEY CHECK (id = 1),"
	 " seq INTEGER NOT NULL);"
	 "INSERT INTO webhook_cursor (id, seq)"
	 " SELECT 1, COALESCE(MAX(seq), 0) FROM audit_log;"},
	/* A backend's calls in flight, across every process: a row per slot
	 * (0 .. concurrency - 1) held by one call until it gives it back or
	 * its until passes (a killed process). See src/ml/gate.c. */
	{20, "ml call slots",
	 "CREATE TABLE ml_call_slots ("
	 " backend_id INTEGER NOT NULL,"
	 " slot INTEGER NOT NULL,"
	 " holder TEXT NOT NULL,"
	 " until INTEGER NOT NULL,"
	 " PRIMARY KEY (backend_id, slot));"},
};
/* clang-format on */

const int lf_migrations_sqlite_count = (int)LF_ARRAY_LEN(lf_migrations_sqlite);
