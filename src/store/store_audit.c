/*
 * store_audit.c - rows of the audit trail. The hash chain itself is
 * computed in audit/audit.c; this file only moves rows.
 */
#include "store/db.h"

#include <string.h>

#define AUDIT_SCAN_PAGE 5000

#define AUDIT_COLS                                                                                 \
	"seq, ts, actor_id, actor_role, action, entity_type, entity_id, project_id, task_id,"      \
	" from_state, to_state, details, prev_hash, hash"

static void audit_from_row(lf_tx *tx, lf_rows *r, lf_audit_row *a, int copy);

/* copy=0 borrows the row's text (valid until the next row) for streaming. */
static void audit_from_row(lf_tx *tx, lf_rows *r, lf_audit_row *a, int copy)
{
	a->seq = lf_rows_int(r, 0);
	a->ts = lf_rows_int(r, 1);
	a->actor_id = lf_rows_int(r, 2);
	a->project_id = lf_rows_int(r, 7);
	a->task_id = lf_rows_int(r, 8);
	if (copy) {
		a->actor_role = lf_rows_dup(tx, r, 3);
		a->action = lf_rows_dup(tx, r, 4);
		a->entity_type = lf_rows_dup(tx, r, 5);
		a->entity_id = lf_rows_dup(tx, r, 6);
		a->from_state = lf_rows_dup(tx, r, 9);
		a->to_state = lf_rows_dup(tx, r, 10);
		a->details = lf_rows_dup(tx, r, 11);
		a->prev_hash = lf_rows_dup(tx, r, 12);
		a->hash = lf_rows_dup(tx, r, 13);
		return;
	}
	a->actor_role = lf_rows_text(r, 3);
	a->action = lf_rows_text(r, 4);
	a->entity_type = lf_rows_text(r, 5);
	a->entity_id = lf_rows_text(r, 6);
	a->from_state = lf_rows_text(r, 9);
	a->to_state = lf_rows_text(r, 10);
	a->details = lf_rows_text(r, 11);
	a->prev_hash = lf_rows_text(r, 12);
	a->hash = lf_rows_text(r, 13);
}

/*
 * The chain has one tail, so appends must take turns from reading it until
 * their transaction commits. SQLite's single writer gives that for free. On
 * PostgreSQL lf_audit_tail() (migration 6) takes an advisory lock held to
 * the end of the transaction, then reads the tail with a snapshot taken
 * after the lock was granted, so it sees the tail its predecessor just
 * committed. (Row locks cannot do it: a waiter would re-read the old tail
 * row, not the new one.) The cost is that audited transactions commit one
 * after another, each holding the lock through its commit's WAL flush;
 * callers append last to keep that window short.
 */
/* Taken again by lf_audit_tail() later in the same transaction: advisory
 * locks stack within a transaction. */
int lf_store_audit_lock(lf_tx *tx)
{
	if (lf_db_is_sqlite(tx))
		return LF_OK;
	return lf_db_exec(tx, "SELECT pg_advisory_xact_lock(7305761)", NULL, 0, NULL);
}

int lf_store_audit_tail(lf_tx *tx, int64_t *seq, char hash[65])
{
	lf_rows *r = NULL;
	int ret =
	    lf_db_query(tx,
			LF_DB_SQL(tx, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
				  "SELECT tail_seq, tail_hash FROM lf_audit_tail()"),
			NULL, 0, &r);
	if (ret != LF_OK)
		return ret;
	int rc = lf_rows_next(r);
	if (rc < 0) {
		ret = rc;
	} else if (rc == 0 || lf_rows_null(r, 0)) {
		*seq = 0;
		memset(hash, '0', 64);
		hash[64] = '\0';
	} else {
		const char *h = lf_rows_text(r, 1);
		*seq = lf_rows_int(r, 0);
		if (h == NULL || strlen(h) != 64) {
			ret = LF_ERR_DB;
		} else {
			memcpy(hash, h, 65);
		}
	}
	lf_rows_close(r);
	return ret;
}

int lf_store_audit_insert(lf_tx *tx, const lf_audit_row *a)
{
	lf_val p[] = {
	    LF_VINT(a->seq),	     LF_VINT(a->ts),	    LF_VID(a->actor_id),
	    LF_VTEXT(a->actor_role), LF_VTEXT(a->action),   LF_VTEXT(a->entity_type),
	    LF_VTEXT(a->entity_id),  LF_VID(a->project_id), LF_VID(a->task_id),
	    LF_VTEXT(a->from_state), LF_VTEXT(a->to_state), LF_VTEXT(a->details),
	    LF_VTEXT(a->prev_hash),  LF_VTEXT(a->hash),
	};
	return lf_db_exec(tx,
			  "INSERT INTO audit_log (" AUDIT_COLS ") VALUES ($1, $2, $3, $4, $5, $6,"
			  " $7, $8, $9, $10, $11, $12, $13, $14)",
			  p, 14, NULL);
}

/*
 * One statement serves every filter combination: a NULL parameter disables
 * its condition. The keyset cursor (seq < before) keeps deep pages as cheap
 * as the first.
 */
int lf_store_audit_list(lf_tx *tx, const lf_audit_filter *f, lf_audit_row **items, int *n)
{
	int limit = f->limit > 0 ? f->limit : 50;
	lf_val p[] = {LF_VID(f->project_id), LF_VID(f->task_id), LF_VID(f->actor_id),
		      LF_VTEXT(f->action),   LF_VID(f->since),	 LF_VID(f->until),
		      LF_VID(f->before_seq), LF_VINT(limit)};
	lf_rows *r = NULL;
	int rc = 0, count = 0;
	lf_audit_row *out = lf_arena_alloc(lf_store_arena(tx), sizeof(*out) * (size_t)limit);
	if (out == NULL)
		return LF_ERR_NOMEM;
	int ret =
	    lf_db_query(tx,
			"SELECT " AUDIT_COLS " FROM audit_log"
			" WHERE ($1 IS NULL OR project_id = $1) AND ($2 IS NULL OR task_id = $2)"
			" AND ($3 IS NULL OR actor_id = $3) AND ($4 IS NULL OR action = $4)"
			" AND ($5 IS NULL OR ts >= $5) AND ($6 IS NULL OR ts < $6)"
			" AND ($7 IS NULL OR seq < $7) ORDER BY seq DESC LIMIT $8",
			p, 8, &r);
	if (ret != LF_OK)
		return ret;
	while (count < limit && (rc = lf_rows_next(r)) == 1)
		audit_from_row(tx, r, &out[count++], 1);
	if (count < limit && rc < 0)
		ret = rc;
	lf_rows_close(r);
	*items = out;
	*n = count;
	return ret;
}

/* Pages by seq so that a driver that fetches whole results (PostgreSQL)
 * holds one page of the log at a time, not all of it. */
int lf_store_audit_scan(lf_tx *tx, lf_audit_scan_cb cb, void *ud)
{
	int64_t after = 0;
	int ret = LF_OK, rows;
	do {
		lf_val v[] = {LF_VINT(after), LF_VINT(AUDIT_SCAN_PAGE)};
		lf_rows *r = NULL;
		int rc = 0;
		rows = 0;
		ret = lf_db_query(tx,
				  "SELECT " AUDIT_COLS " FROM audit_log WHERE seq > $1"
				  " ORDER BY seq LIMIT $2",
				  v, 2, &r);
		if (ret != LF_OK)
			return ret;
		while ((rc = lf_rows_next(r)) == 1) {
			lf_audit_row a;
			audit_from_row(tx, r, &a, 0);
			after = a.seq;
			rows++;
			if ((ret = cb(ud, &a)) != LF_OK)
				break;
		}
		if (ret == LF_OK && rc < 0)
			ret = rc;
		lf_rows_close(r);
	} while (ret == LF_OK && rows == AUDIT_SCAN_PAGE);
	return ret;
}
