/*
 * store_audit.c - rows of the audit trail and its checkpoints. The hash
 * chain, the Merkle trees and the signatures are computed in audit/; this
 * file only moves rows.
 *
 *   lf_store_audit_insert           append one record, unsealed
 *   lf_store_audit_list             browse, newest first, sealed or not
 *   lf_store_audit_seal_turn        one sealer at a time
 *   lf_store_audit_unsealed         the sealer's next batch
 *   lf_store_audit_unsealed_stats   how far behind the sealer is
 *   lf_store_audit_seal             set a batch's seq, prev_hash, hash
 *   lf_store_audit_get              one sealed record (inclusion proofs)
 *   lf_store_audit_sealed_stats     the sealed part's size
 *   lf_store_audit_scan             stream sealed records in seq order
 *   lf_store_audit_sealed_after     sealed records after a cursor
 *   lf_store_audit_sealed_max       the highest sealed seq
 *   lf_store_audit_checkpoint_*     the signed checkpoints
 */
#include "store/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AUDIT_SCAN_PAGE 5000

#define AUDIT_COLS                                                                                 \
	"id, seq, batch, ts, actor_id, actor_role, action, entity_type, entity_id, project_id,"    \
	" task_id, from_state, to_state, details, prev_hash, hash"

#define CHECKPOINT_COLS "batch, first_seq, last_seq, sealed_at, root, prev, hash, signature, key_id"

static void audit_from_row(lf_tx *tx, lf_rows *r, lf_audit_row *a, int copy);
static void audit_fill(lf_tx *tx, lf_rows *r, void *out);
static void checkpoint_fill(lf_tx *tx, lf_rows *r, void *out);
static void copy_hex(char *dst, size_t size, const char *src);
static int seal_pg(lf_tx *tx, const lf_audit_row *rows, int n);
static int two_ints(lf_tx *tx, const char *sql, int64_t *a, int64_t *b);
static char *pg_array(const lf_audit_row *rows, int n, int field);

/* copy=0 borrows the row's text (valid until the next row) for streaming. */
static void audit_from_row(lf_tx *tx, lf_rows *r, lf_audit_row *a, int copy)
{
	a->id = lf_rows_int(r, 0);
	a->seq = lf_rows_int(r, 1);
	a->batch = lf_rows_int(r, 2);
	a->ts = lf_rows_int(r, 3);
	a->actor_id = lf_rows_int(r, 4);
	a->project_id = lf_rows_int(r, 9);
	a->task_id = lf_rows_int(r, 10);
	if (copy) {
		a->actor_role = lf_rows_dup(tx, r, 5);
		a->action = lf_rows_dup(tx, r, 6);
		a->entity_type = lf_rows_dup(tx, r, 7);
		a->entity_id = lf_rows_dup(tx, r, 8);
		a->from_state = lf_rows_dup(tx, r, 11);
		a->to_state = lf_rows_dup(tx, r, 12);
		a->details = lf_rows_dup(tx, r, 13);
		a->prev_hash = lf_rows_dup(tx, r, 14);
		a->hash = lf_rows_dup(tx, r, 15);
		return;
	}
	a->actor_role = lf_rows_text(r, 5);
	a->action = lf_rows_text(r, 6);
	a->entity_type = lf_rows_text(r, 7);
	a->entity_id = lf_rows_text(r, 8);
	a->from_state = lf_rows_text(r, 11);
	a->to_state = lf_rows_text(r, 12);
	a->details = lf_rows_text(r, 13);
	a->prev_hash = lf_rows_text(r, 14);
	a->hash = lf_rows_text(r, 15);
}

static void audit_fill(lf_tx *tx, lf_rows *r, void *out)
{
	audit_from_row(tx, r, out, 1);
}

/* A value too long for its field (only a tampered row has one) is cut,
 * which verification then reports as a mismatch. */
static void copy_hex(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src != NULL ? src : "");
}

static void checkpoint_fill(lf_tx *tx, lf_rows *r, void *out)
{
	lf_checkpoint *c = out;
	(void)tx;
	memset(c, 0, sizeof(*c));
	c->batch = lf_rows_int(r, 0);
	c->first_seq = lf_rows_int(r, 1);
	c->last_seq = lf_rows_int(r, 2);
	c->sealed_at = lf_rows_int(r, 3);
	copy_hex(c->root, sizeof(c->root), lf_rows_text(r, 4));
	copy_hex(c->prev, sizeof(c->prev), lf_rows_text(r, 5));
	copy_hex(c->hash, sizeof(c->hash), lf_rows_text(r, 6));
	copy_hex(c->signature, sizeof(c->signature), lf_rows_text(r, 7));
	copy_hex(c->key_id, sizeof(c->key_id), lf_rows_text(r, 8));
}

/*
 * The whole point of sealing: an append is one INSERT that reads nothing
 * and locks nothing but its own new row, so audited transactions of
 * different tasks never wait for each other.
 */
int lf_store_audit_insert(lf_tx *tx, const lf_audit_row *a, int64_t *id)
{
	lf_val p[] = {
	    LF_VINT(a->ts),	   LF_VID(a->actor_id),	     LF_VTEXT(a->actor_role),
	    LF_VTEXT(a->action),   LF_VTEXT(a->entity_type), LF_VTEXT(a->entity_id),
	    LF_VID(a->project_id), LF_VID(a->task_id),	     LF_VTEXT(a->from_state),
	    LF_VTEXT(a->to_state), LF_VTEXT(a->details),
	};
	if (id == NULL)
		return lf_db_exec_later(tx,
					"INSERT INTO audit_log (ts, actor_id, actor_role, action,"
					" entity_type, entity_id, project_id, task_id, from_state,"
					" to_state, details) VALUES ($1, $2, $3, $4, $5, $6, $7,"
					" $8, $9, $10, $11)",
					p, 11, 0);
	return lf_db_query_int(tx,
			       "INSERT INTO audit_log (ts, actor_id, actor_role, action,"
			       " entity_type, entity_id, project_id, task_id, from_state,"
			       " to_state, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
			       " $9, $10, $11) RETURNING id",
			       p, 11, id);
}

/*
 * One statement serves every filter combination: a NULL parameter disables
 * its condition. The keyset cursor (id < before) keeps deep pages as cheap
 * as the first; id, not seq, because unsealed records have no seq yet.
 */
int lf_store_audit_list(lf_tx *tx, const lf_audit_filter *f, lf_audit_row **items, int *n)
{
	int limit = f->limit > 0 ? f->limit : 50;
	lf_val p[] = {LF_VID(f->project_id), LF_VID(f->task_id), LF_VID(f->actor_id),
		      LF_VTEXT(f->action),   LF_VID(f->since),	 LF_VID(f->until),
		      LF_VID(f->before_id),  LF_VINT(limit)};
	return lf_db_query_list(
	    tx,
	    "SELECT " AUDIT_COLS " FROM audit_log"
	    " WHERE ($1 IS NULL OR project_id = $1) AND ($2 IS NULL OR task_id = $2)"
	    " AND ($3 IS NULL OR actor_id = $3) AND ($4 IS NULL OR action = $4)"
	    " AND ($5 IS NULL OR ts >= $5) AND ($6 IS NULL OR ts < $6)"
	    " AND ($7 IS NULL OR id < $7) ORDER BY id DESC LIMIT $8",
	    p, 8, audit_fill, sizeof(lf_audit_row), limit, (void **)items, n);
}

/* The partial index audit_unsealed holds exactly these rows, so the scan
 * costs the batch, not the table. */
/* Lock 7305762: any number no other lock of the program uses. */
int lf_store_audit_seal_turn(lf_tx *tx, int *mine)
{
	int64_t got = 1;
	int ret = LF_OK;
	if (!lf_db_is_sqlite(tx))
		ret = lf_db_query_int(tx,
				      "SELECT CASE WHEN pg_try_advisory_xact_lock(7305762)"
				      " THEN 1 ELSE 0 END",
				      NULL, 0, &got);
	*mine = got == 1;
	return ret;
}

int lf_store_audit_unsealed(lf_tx *tx, int limit, lf_audit_row **items, int *n)
{
	lf_val p[] = {LF_VINT(limit)};
	return lf_db_query_list(tx,
				"SELECT " AUDIT_COLS " FROM audit_log WHERE seq IS NULL"
				" ORDER BY id LIMIT $1",
				p, 1, audit_fill, sizeof(lf_audit_row), limit, (void **)items, n);
}

/* The two integers of a one-row aggregate query. */
static int two_ints(lf_tx *tx, const char *sql, int64_t *a, int64_t *b)
{
	lf_rows *r = NULL;
	int ret = lf_db_query(tx, sql, NULL, 0, &r);
	if (ret != LF_OK)
		return ret;
	int rc = lf_rows_next(r);
	if (rc == 1) {
		*a = lf_rows_int(r, 0);
		*b = lf_rows_int(r, 1);
	}
	lf_rows_close(r);
	return rc < 0 ? rc : rc == 1 ? LF_OK : LF_ERR_DB;
}

int lf_store_audit_unsealed_stats(lf_tx *tx, int64_t *count, int64_t *oldest_ts)
{
	return two_ints(tx,
			"SELECT COUNT(*), COALESCE(MIN(ts), 0) FROM audit_log WHERE seq IS NULL",
			count, oldest_ts);
}

int lf_store_audit_sealed_stats(lf_tx *tx, int64_t *count, int64_t *max_seq)
{
	return two_ints(tx,
			"SELECT COUNT(seq), COALESCE(MAX(seq), 0) FROM audit_log"
			" WHERE seq IS NOT NULL",
			count, max_seq);
}

/* field 0: id, 1: seq, 2: prev_hash, 3: hash, as a PostgreSQL array
 * literal; hex and decimal need no quoting. malloc'd. */
static char *pg_array(const lf_audit_row *rows, int n, int field)
{
	size_t cap = (size_t)n * 66 + 3, len = 0;
	char *s = malloc(cap);
	if (s == NULL)
		return NULL;
	s[len++] = '{';
	for (int i = 0; i < n; i++) {
		if (i > 0)
			s[len++] = ',';
		if (field == 0 || field == 1)
			len += (size_t)snprintf(s + len, cap - len, "%lld",
						(long long)(field == 0 ? rows[i].id : rows[i].seq));
		else
			len += (size_t)snprintf(s + len, cap - len, "%s",
						field == 2 ? rows[i].prev_hash : rows[i].hash);
	}
	s[len++] = '}';
	s[len] = '\0';
	return s;
}

/* PostgreSQL: the whole batch in one statement, so a batch costs one round
 * trip however many records it seals. */
static int seal_pg(lf_tx *tx, const lf_audit_row *rows, int n)
{
	int ret = LF_ERR_NOMEM;
	int64_t changed = 0;
	char *ids = pg_array(rows, n, 0), *seqs = pg_array(rows, n, 1);
	char *prevs = pg_array(rows, n, 2), *hashes = pg_array(rows, n, 3);
	if (ids == NULL || seqs == NULL || prevs == NULL || hashes == NULL)
		goto cleanup;
	lf_val p[] = {LF_VTEXT(ids), LF_VTEXT(seqs), LF_VTEXT(prevs), LF_VTEXT(hashes),
		      LF_VINT(rows[0].batch)};
	ret = lf_db_exec(tx,
			 "UPDATE audit_log a SET seq = v.seq, prev_hash = v.prev, hash = v.hash,"
			 " batch = $5 FROM unnest($1::bigint[], $2::bigint[], $3::text[],"
			 " $4::text[]) AS v(id, seq, prev, hash) WHERE a.id = v.id",
			 p, 5, &changed);
	if (ret == LF_OK && changed != n)
		ret = LF_ERR_CONFLICT;
cleanup:
	free(ids);
	free(seqs);
	free(prevs);
	free(hashes);
	return ret;
}

/* SQLite's statements cost no round trip: one prepared UPDATE per row. */
int lf_store_audit_seal(lf_tx *tx, const lf_audit_row *rows, int n)
{
	if (n == 0)
		return LF_OK;
	if (!lf_db_is_sqlite(tx))
		return seal_pg(tx, rows, n);
	for (int i = 0; i < n; i++) {
		int64_t changed = 0;
		lf_val p[] = {LF_VINT(rows[i].seq), LF_VTEXT(rows[i].prev_hash),
			      LF_VTEXT(rows[i].hash), LF_VINT(rows[i].batch), LF_VINT(rows[i].id)};
		int ret = lf_db_exec(tx,
				     "UPDATE audit_log SET seq = $1, prev_hash = $2, hash = $3,"
				     " batch = $4 WHERE id = $5 AND seq IS NULL",
				     p, 5, &changed);
		if (ret != LF_OK)
			return ret;
		if (changed != 1)
			return LF_ERR_CONFLICT;
	}
	return LF_OK;
}

int lf_store_audit_get(lf_tx *tx, int64_t seq, lf_audit_row *out)
{
	lf_val p[] = {LF_VINT(seq)};
	return lf_db_query_one(tx, "SELECT " AUDIT_COLS " FROM audit_log WHERE seq = $1", p, 1,
			       audit_fill, out);
}

int lf_store_audit_sealed_after(lf_tx *tx, int64_t after, int limit, lf_audit_row **items, int *n)
{
	lf_val v[] = {LF_VINT(after), LF_VINT(limit)};
	return lf_db_query_list(tx,
				"SELECT " AUDIT_COLS " FROM audit_log WHERE seq IS NOT NULL"
				" AND seq > $1 ORDER BY seq LIMIT $2",
				v, 2, audit_fill, sizeof(lf_audit_row), 0, (void **)items, n);
}

int lf_store_audit_sealed_max(lf_tx *tx, int64_t *seq)
{
	return lf_db_query_int(
	    tx, "SELECT COALESCE(MAX(seq), 0) FROM audit_log WHERE seq IS NOT NULL", NULL, 0, seq);
}

/* Pages by seq so that a driver that fetches whole results (PostgreSQL)
 * holds one page of the log at a time, not all of it. */
int lf_store_audit_scan(lf_tx *tx, int64_t first, int64_t last, lf_audit_scan_cb cb, void *ud)
{
	int64_t after = first - 1;
	int ret = LF_OK, rows;
	do {
		lf_val v[] = {LF_VINT(after), LF_VINT(last), LF_VINT(AUDIT_SCAN_PAGE)};
		lf_rows *r = NULL;
		int rc = 0;
		rows = 0;
		ret = lf_db_query(tx,
				  "SELECT " AUDIT_COLS " FROM audit_log WHERE seq > $1"
				  " AND seq <= $2 ORDER BY seq LIMIT $3",
				  v, 3, &r);
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

int lf_store_audit_checkpoint_last(lf_tx *tx, lf_checkpoint *out)
{
	return lf_db_query_one(tx,
			       "SELECT " CHECKPOINT_COLS " FROM audit_checkpoints"
			       " ORDER BY batch DESC LIMIT 1",
			       NULL, 0, checkpoint_fill, out);
}

int lf_store_audit_checkpoint_get(lf_tx *tx, int64_t batch, lf_checkpoint *out)
{
	lf_val p[] = {LF_VINT(batch)};
	return lf_db_query_one(tx,
			       "SELECT " CHECKPOINT_COLS " FROM audit_checkpoints WHERE batch = $1",
			       p, 1, checkpoint_fill, out);
}

int lf_store_audit_checkpoints(lf_tx *tx, int64_t after, lf_checkpoint *out, int max, int *n)
{
	lf_val p[] = {LF_VINT(after), LF_VINT(max)};
	lf_rows *r = NULL;
	int rc = 0;
	*n = 0;
	int ret = lf_db_query(tx,
			      "SELECT " CHECKPOINT_COLS " FROM audit_checkpoints WHERE batch > $1"
			      " ORDER BY batch LIMIT $2",
			      p, 2, &r);
	if (ret != LF_OK)
		return ret;
	while (*n < max && (rc = lf_rows_next(r)) == 1)
		checkpoint_fill(tx, r, &out[(*n)++]);
	lf_rows_close(r);
	return rc < 0 ? rc : LF_OK;
}

int lf_store_audit_checkpoint_insert(lf_tx *tx, const lf_checkpoint *c)
{
	lf_val p[] = {LF_VINT(c->batch),     LF_VINT(c->first_seq),  LF_VINT(c->last_seq),
		      LF_VINT(c->sealed_at), LF_VTEXT(c->root),	     LF_VTEXT(c->prev),
		      LF_VTEXT(c->hash),     LF_VTEXT(c->signature), LF_VTEXT(c->key_id)};
	return lf_db_exec(tx,
			  "INSERT INTO audit_checkpoints (" CHECKPOINT_COLS ") VALUES ($1, $2,"
			  " $3, $4, $5, $6, $7, $8, $9)",
			  p, 9, NULL);
}
