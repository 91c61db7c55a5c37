/*
 * migrations_sqlite.c - the SQLite schema, one entry per version.
 *
 * Never edit a released migration: add a new version. Times are integer
 * milliseconds since the epoch; money (later) is integer minor units.
 */
#include "store/db.h"

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
};

const int lf_migrations_sqlite_count = (int)LF_ARRAY_LEN(lf_migrations_sqlite);
