/*
 * test_audit.c - the audit hash chain: the record hash itself, then
 * appends, sealing into signed batches, verification, inclusion proofs,
 * tampering on a real SQLite file and the anchor on local disk.
 */
#include "audit/anchor.h"
#include "audit/audit.h"
#include "audit/seal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#define NEVENTS	   50
#define PER_TX	   5
#define NTHREADS   4
#define PER_THREAD 25

struct appender {
	lf_store *s;
	int id;
	int failures;
};

static lf_audit_row base_row(void);
static void enc_field(crypto_hash_sha256_state *st, const char *name, const char *val);
static void enc_int(crypto_hash_sha256_state *st, const char *name, int64_t val);
static void reference_hash(const lf_audit_row *r, char out[65]);
static int64_t seal_all(lf_store *s);
static void append_events(lf_store *s, int first, int count);
static void raw_exec(const char *path, const char *sql);
static void raw_text(const char *path, const char *sql, char *out, size_t outlen);
static void verify(lf_store *s, lf_audit_verdict *v);
static void expect_ok(lf_store *s, int64_t count);
static void expect_broken(lf_store *s, int64_t broken, int64_t good, const char *reason_part);
static void *append_worker(void *arg);

static lf_audit_row base_row(void)
{
	static const char prev[] =
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	lf_audit_row r = {
	    .seq = 5,
	    .ts = 1700000000123,
	    .actor_id = 3,
	    .actor_role = "admin",
	    .action = "task.submit",
	    .entity_type = "task",
	    .entity_id = "17",
	    .project_id = 2,
	    .task_id = 9,
	    .from_state = "claimed",
	    .to_state = "submitted",
	    .details = "{\"k\":1}",
	    .prev_hash = prev,
	    .hash = "ignored",
	};
	return r;
}

/* The encoding documented in audit.c, rewritten here: "name=LEN:value;"
 * or "name=~;" for NULL, integers in decimal, fields in a fixed order. */
static void enc_field(crypto_hash_sha256_state *st, const char *name, const char *val)
{
	char buf[4096];
	int n = val == NULL ? snprintf(buf, sizeof(buf), "%s=~;", name)
			    : snprintf(buf, sizeof(buf), "%s=%zu:%s;", name, strlen(val), val);
	assert_true(n > 0 && (size_t)n < sizeof(buf));
	crypto_hash_sha256_update(st, (const unsigned char *)buf, (unsigned long long)n);
}

static void enc_int(crypto_hash_sha256_state *st, const char *name, int64_t val)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%" PRId64, val);
	enc_field(st, name, buf);
}

static void reference_hash(const lf_audit_row *r, char out[65])
{
	crypto_hash_sha256_state st;
	unsigned char d[crypto_hash_sha256_BYTES];
	static const char hex[] = "0123456789abcdef";

	crypto_hash_sha256_init(&st);
	enc_field(&st, "prev", r->prev_hash);
	enc_int(&st, "seq", r->seq);
	enc_int(&st, "ts", r->ts);
	enc_int(&st, "actor", r->actor_id);
	enc_field(&st, "role", r->actor_role);
	enc_field(&st, "action", r->action);
	enc_field(&st, "entity_type", r->entity_type);
	enc_field(&st, "entity_id", r->entity_id);
	enc_int(&st, "project", r->project_id);
	enc_int(&st, "task", r->task_id);
	enc_field(&st, "from", r->from_state);
	enc_field(&st, "to", r->to_state);
	enc_field(&st, "details", r->details);
	crypto_hash_sha256_final(&st, d);
	for (size_t i = 0; i < sizeof(d); i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[64] = '\0';
}

/* One signing key for the whole run (made in main). */
static lf_audit_key key;

/* Seals until nothing is left; how many records that took. */
static int64_t seal_all(lf_store *s)
{
	lf_audit_seal_opts o = {.interval_ms = 1};
	int64_t n = 0, total = 0;
	do {
		assert_int_equal(lf_audit_seal_once(s, &key, &o, &n), LF_OK);
		total += n;
	} while (n > 0);
	return total;
}

/* Appends events first..first+count-1, PER_TX per write transaction, with
 * a mix of NULL and set optional fields, and seals each transaction's
 * records as a batch of its own. */
static void append_events(lf_store *s, int first, int count)
{
	int i = first;
	while (i < first + count) {
		lf_tx *tx = NULL;
		assert_int_equal(lf_store_begin(s, LF_TX_WRITE, NULL, &tx), LF_OK);
		for (int k = 0; k < PER_TX && i < first + count; k++, i++) {
			char eid[32];
			int64_t id = -1;
			json_t *d = json_pack("{s:i, s:s, s:[i,i]}", "n", i, "who", "tester", "xs",
					      i, i * 2);
			assert_non_null(d);
			snprintf(eid, sizeof(eid), "%d", i);
			lf_audit_event ev = {
			    .actor_id = i % 3,
			    .actor_role = i % 2 ? "annotator" : NULL,
			    .action = i % 4 ? "task.submit" : "user.create",
			    .entity_type = i % 4 ? "task" : "user",
			    .entity_id = i % 5 ? eid : NULL,
			    .project_id = i % 2 ? 7 : 0,
			    .task_id = i % 2 ? i : 0,
			    .from_state = i % 3 ? "claimed" : NULL,
			    .to_state = i % 3 ? "submitted" : NULL,
			    .details = i % 6 ? d : NULL,
			};
			assert_int_equal(lf_audit_append(tx, &ev, &id), LF_OK);
			assert_int_equal(id, i);
			json_decref(d);
		}
		assert_int_equal(lf_store_commit(tx), LF_OK);
		seal_all(s);
	}
}

/* Edits the file behind the store's back, as an attacker with file access
 * would. */
static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *h = NULL;
	char *msg = NULL;
	assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(h, 5000);
	int rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		print_error("raw sql failed: %s: %s\n", sql, msg ? msg : "?");
	sqlite3_free(msg);
	sqlite3_close(h);
	assert_int_equal(rc, SQLITE_OK);
}

/* First column of the first row of sql, as text ("" for no row). */
static void raw_text(const char *path, const char *sql, char *out, size_t outlen)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	out[0] = '\0';
	assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	int rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL);
	if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, outlen, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(h);
	assert_int_equal(rc, SQLITE_OK);
}

static void verify(lf_store *s, lf_audit_verdict *v)
{
	assert_int_equal(lf_audit_verify(s, &key, NULL, 60000, v), LF_OK);
}

static void expect_ok(lf_store *s, int64_t count)
{
	lf_audit_verdict v;
	verify(s, &v);
	if (!v.ok)
		print_error("verify: broken at %" PRId64 ": %s\n", v.broken_seq, v.reason);
	assert_true(v.ok);
	assert_int_equal(v.count, count);
	assert_int_equal(v.broken_seq, 0);
	assert_int_equal(strlen(v.head), 64);
}

/* good: how many records checked out before the break. */
static void expect_broken(lf_store *s, int64_t broken, int64_t good, const char *reason_part)
{
	lf_audit_verdict v;
	verify(s, &v);
	assert_false(v.ok);
	assert_int_equal(v.broken_seq, broken);
	assert_int_equal(v.count, good);
	assert_non_null(strstr(v.reason, reason_part));
}

/* ---- the record hash ---- */

static void test_hash_deterministic(void **state)
{
	lf_audit_row r = base_row();
	char h1[65], h2[65], ref[65];

	lf_audit_hash(&r, h1);
	lf_audit_hash(&r, h2);
	assert_string_equal(h1, h2);
	assert_int_equal(strlen(h1), 64);
	assert_int_equal(strspn(h1, "0123456789abcdef"), 64);
	/* The row's own hash field is not an input. */
	r.hash = NULL;
	lf_audit_hash(&r, h2);
	assert_string_equal(h1, h2);
	r.hash = "something else";
	lf_audit_hash(&r, h2);
	assert_string_equal(h1, h2);
	/* Strings are hashed by content, not by address. */
	char action[] = "task.submit";
	r.action = action;
	lf_audit_hash(&r, h2);
	assert_string_equal(h1, h2);
	/* And the encoding is the documented one: existing chains depend on
	 * it byte for byte. */
	reference_hash(&r, ref);
	assert_string_equal(h1, ref);
	r.actor_role = NULL;
	r.entity_id = "";
	lf_audit_hash(&r, h2);
	reference_hash(&r, ref);
	assert_string_equal(h2, ref);
}

/* Changing any single field, each in turn, changes the hash. */
static void test_hash_every_field(void **state)
{
	const lf_audit_row base = base_row();
	char h0[65], h[65], hnull[65], hempty[65], prev2[65];

	lf_audit_hash(&base, h0);
	for (int field = 0; field < 5; field++) {
		lf_audit_row r = base;
		switch (field) {
		case 0: r.seq++; break;
		case 1: r.ts++; break;
		case 2: r.actor_id = 0; break;
		case 3: r.project_id = 0; break;
		default: r.task_id = 10; break;
		}
		lf_audit_hash(&r, h);
		if (strcmp(h, h0) == 0)
			print_error("integer field %d does not affect the hash\n", field);
		assert_string_not_equal(h, h0);
	}

	/* String fields: another value, NULL and "" each differ from the
	 * base, and NULL differs from "". */
	for (int field = 0; field < 8; field++) {
		lf_audit_row r = base;
		const char **slot;
		switch (field) {
		case 0: slot = &r.prev_hash; break;
		case 1: slot = &r.actor_role; break;
		case 2: slot = &r.action; break;
		case 3: slot = &r.entity_type; break;
		case 4: slot = &r.entity_id; break;
		case 5: slot = &r.from_state; break;
		case 6: slot = &r.to_state; break;
		default: slot = &r.details; break;
		}
		*slot = "x";
		lf_audit_hash(&r, h);
		assert_string_not_equal(h, h0);
		*slot = NULL;
		lf_audit_hash(&r, hnull);
		assert_string_not_equal(hnull, h0);
		*slot = "";
		lf_audit_hash(&r, hempty);
		assert_string_not_equal(hempty, h0);
		if (strcmp(hnull, hempty) == 0)
			print_error("string field %d: NULL and \"\" hash alike\n", field);
		assert_string_not_equal(hnull, hempty);
	}

	/* One hex digit of prev_hash. */
	lf_audit_row r = base;
	memcpy(prev2, base.prev_hash, 65);
	prev2[63] = prev2[63] == 'f' ? 'e' : 'f';
	r.prev_hash = prev2;
	lf_audit_hash(&r, h);
	assert_string_not_equal(h, h0);
}

/* Length prefixes keep bytes from sliding between adjacent fields. */
static void test_hash_field_boundaries(void **state)
{
	const lf_audit_row base = base_row();
	char h1[65], h2[65];
	lf_audit_row a = base, b = base;

	a.action = "ab";
	a.entity_type = "c";
	b.action = "a";
	b.entity_type = "bc";
	lf_audit_hash(&a, h1);
	lf_audit_hash(&b, h2);
	assert_string_not_equal(h1, h2);

	a = base;
	b = base;
	a.from_state = "ab";
	a.to_state = "c";
	b.from_state = "a";
	b.to_state = "bc";
	lf_audit_hash(&a, h1);
	lf_audit_hash(&b, h2);
	assert_string_not_equal(h1, h2);

	a = base;
	b = base;
	a.entity_type = "user";
	a.entity_id = "";
	b.entity_type = "";
	b.entity_id = "user";
	lf_audit_hash(&a, h1);
	lf_audit_hash(&b, h2);
	assert_string_not_equal(h1, h2);

	/* A value that spells out the encoding of the next field. */
	a = base;
	b = base;
	a.actor_role = "admin;action=11:task.submit";
	a.action = "";
	b.actor_role = "admin";
	b.action = "task.submit;action=0:";
	lf_audit_hash(&a, h1);
	lf_audit_hash(&b, h2);
	assert_string_not_equal(h1, h2);

	/* Values containing the separator and the next field's name: without
	 * length prefixes both would encode as
	 * "role=admin;action=foo;action=bar;". */
	a = base;
	b = base;
	a.actor_role = "admin;action=foo";
	a.action = "bar";
	b.actor_role = "admin";
	b.action = "foo;action=bar";
	lf_audit_hash(&a, h1);
	lf_audit_hash(&b, h2);
	assert_string_not_equal(h1, h2);

	a = base;
	b = base;
	a.from_state = "x;to=y";
	a.to_state = "z";
	b.from_state = "x";
	b.to_state = "y;to=z";
	lf_audit_hash(&a, h1);
	lf_audit_hash(&b, h2);
	assert_string_not_equal(h1, h2);

	/* The NULL marker is not confusable with a value that looks like it. */
	a = base;
	b = base;
	a.entity_id = NULL;
	b.entity_id = "~";
	lf_audit_hash(&a, h1);
	lf_audit_hash(&b, h2);
	assert_string_not_equal(h1, h2);

	/* Adjacent integers: seq 1, ts 12 vs seq 11, ts 2. */
	a = base;
	b = base;
	a.seq = 1;
	a.ts = 12;
	b.seq = 11;
	b.ts = 2;
	lf_audit_hash(&a, h1);
	lf_audit_hash(&b, h2);
	assert_string_not_equal(h1, h2);
}

/* ---- the chain on a database ---- */

static void test_empty_chain(void **state)
{
	lf_fx *f = *state;
	lf_audit_verdict v;

	verify(f->s, &v);
	assert_true(v.ok);
	assert_int_equal(v.count, 0);
	assert_int_equal(v.checkpoints, 0);
	assert_string_equal(v.head,
			    "0000000000000000000000000000000000000000000000000000000000000000");
}

static void test_append_and_verify(void **state)
{
	lf_fx *f = *state;
	lf_audit_verdict v;
	lf_tx *tx = NULL;
	lf_audit_row *items = NULL;
	int n = 0;
	char want[65];

	append_events(f->s, 1, NEVENTS);
	verify(f->s, &v);
	assert_true(v.ok);
	assert_int_equal(v.count, NEVENTS);
	assert_int_equal(v.broken_seq, 0);
	assert_int_equal(v.checkpoints, NEVENTS / PER_TX);
	assert_int_equal(v.unsealed, 0);

	/* Every stored record links to its predecessor and hashes to its
	 * stored hash; the verdict's head is the last record's hash. */
	assert_int_equal(lf_store_begin(f->s, LF_TX_READ, f->arena, &tx), LF_OK);
	lf_audit_filter flt = {.limit = 100};
	assert_int_equal(lf_store_audit_list(tx, &flt, &items, &n), LF_OK);
	lf_store_rollback(tx);
	assert_int_equal(n, NEVENTS);
	assert_int_equal(items[0].seq, NEVENTS);
	assert_string_equal(v.head, items[0].hash);
	for (int i = 0; i < n; i++) {
		assert_int_equal(items[i].seq, NEVENTS - i);
		lf_audit_hash(&items[i], want);
		assert_string_equal(want, items[i].hash);
		reference_hash(&items[i], want);
		assert_string_equal(want, items[i].hash);
		if (i + 1 < n)
			assert_string_equal(items[i].prev_hash, items[i + 1].hash);
	}
	assert_string_equal(items[n - 1].prev_hash,
			    "0000000000000000000000000000000000000000000000000000000000000000");
	/* details are stored canonically: sorted keys, compact; NULL as {}. */
	assert_string_equal(items[NEVENTS - 1].details,
			    "{\"n\":1,\"who\":\"tester\",\"xs\":[1,2]}");
	assert_string_equal(items[NEVENTS - 6].details, "{}");
	/* Unset optional fields come back as NULL / 0. */
	assert_null(items[NEVENTS - 5].entity_id);
	assert_null(items[NEVENTS - 2].actor_role);
	assert_int_equal(items[NEVENTS - 2].project_id, 0);
}

/* Editing one record's details breaks the chain exactly there. */
static void test_tamper_details(void **state)
{
	lf_fx *f = *state;

	append_events(f->s, 1, NEVENTS);
	expect_ok(f->s, NEVENTS);
	raw_exec(f->path, "DROP TRIGGER audit_no_update;"
			  "UPDATE audit_log SET details = '{\"n\":999}' WHERE seq = 17;");
	expect_broken(f->s, 17, 16, "altered");
}

/* Each column in turn, on a record with its optional fields set (7) and
 * one with them unset (12): altering it is detected at that record, and
 * restoring the original value restores the verdict. */
static void test_tamper_each_column(void **state)
{
	static const char *const cols[] = {
	    "ts",	 "actor_id",   "actor_role", "action",	   "entity_type",
	    "entity_id", "project_id", "task_id",    "from_state", "to_state",
	    "details",	 "prev_hash",  "hash",
	};
	static const int targets[] = {7, 12};
	lf_fx *f = *state;
	char sql[1024], saved[512];

	append_events(f->s, 1, NEVENTS);
	raw_exec(f->path, "DROP TRIGGER audit_no_update;");
	expect_ok(f->s, NEVENTS);
	for (size_t t = 0; t < LF_ARRAY_LEN(targets); t++) {
		int target = targets[t];
		for (size_t i = 0; i < LF_ARRAY_LEN(cols); i++) {
			const char *c = cols[i];
			snprintf(sql, sizeof(sql), "SELECT quote(%s) FROM audit_log WHERE seq = %d",
				 c, target);
			raw_text(f->path, sql, saved, sizeof(saved));
			assert_true(saved[0] != '\0');
			/* A value of the column's kind that differs from the
			 * saved one (NULL becomes set, set becomes another). */
			if (strcmp(c, "ts") == 0 || strcmp(c, "actor_id") == 0 ||
			    strcmp(c, "project_id") == 0 || strcmp(c, "task_id") == 0)
				snprintf(sql, sizeof(sql),
					 "UPDATE audit_log SET %s = COALESCE(%s, 0) + 1"
					 " WHERE seq = %d",
					 c, c, target);
			else if (strcmp(c, "prev_hash") == 0 || strcmp(c, "hash") == 0)
				snprintf(
				    sql, sizeof(sql),
				    "UPDATE audit_log SET %s = substr(%s, 2) || substr(%s, 1, 1)"
				    " WHERE seq = %d",
				    c, c, c, target);
			else
				snprintf(sql, sizeof(sql),
					 "UPDATE audit_log SET %s = COALESCE(%s, '') || 'x'"
					 " WHERE seq = %d",
					 c, c, target);
			raw_exec(f->path, sql);
			lf_audit_verdict v;
			verify(f->s, &v);
			if (v.ok || v.broken_seq != target)
				print_error("seq %d column %s: ok=%d broken_seq=%" PRId64 "\n",
					    target, c, v.ok, v.broken_seq);
			assert_false(v.ok);
			assert_int_equal(v.broken_seq, target);
			snprintf(sql, sizeof(sql), "UPDATE audit_log SET %s = %s WHERE seq = %d", c,
				 saved, target);
			raw_exec(f->path, sql);
			expect_ok(f->s, NEVENTS);
		}
	}
}

/* An attacker who edits a record and recomputes its hash is caught at
 * the next record, whose prev_hash no longer matches. */
static void test_tamper_with_rehash(void **state)
{
	lf_fx *f = *state;
	lf_tx *tx = NULL;
	lf_audit_row *items = NULL;
	int n = 0;
	char h[65], sql[256];

	append_events(f->s, 1, NEVENTS);
	assert_int_equal(lf_store_begin(f->s, LF_TX_READ, f->arena, &tx), LF_OK);
	lf_audit_filter flt = {.before_id = 31, .limit = 1};
	assert_int_equal(lf_store_audit_list(tx, &flt, &items, &n), LF_OK);
	lf_store_rollback(tx);
	assert_int_equal(n, 1);
	assert_int_equal(items[0].seq, 30);
	lf_audit_row r = items[0];
	r.details = "{\"n\":0}";
	lf_audit_hash(&r, h);
	snprintf(sql, sizeof(sql),
		 "DROP TRIGGER audit_no_update;"
		 "UPDATE audit_log SET details = '{\"n\":0}', hash = '%s' WHERE seq = 30;",
		 h);
	raw_exec(f->path, sql);
	expect_broken(f->s, 31, 30, "prev_hash");
}

static void test_delete_middle(void **state)
{
	lf_fx *f = *state;

	append_events(f->s, 1, NEVENTS);
	raw_exec(f->path, "DROP TRIGGER audit_no_delete; DELETE FROM audit_log WHERE seq = 25;");
	expect_broken(f->s, 26, 24, "sequence gap");
}

/* Renumbering after a delete (to hide the gap) still breaks the chain. */
static void test_delete_and_renumber(void **state)
{
	lf_fx *f = *state;

	append_events(f->s, 1, NEVENTS);
	raw_exec(f->path, "DROP TRIGGER audit_no_delete; DROP TRIGGER audit_no_update;"
			  "DELETE FROM audit_log WHERE seq = 25;"
			  "UPDATE audit_log SET seq = -seq WHERE seq > 25;"
			  "UPDATE audit_log SET seq = -seq - 1 WHERE seq < 0;");
	expect_broken(f->s, 25, 24, "prev_hash");
}

/* The triggers refuse edits through SQL in the first place. */
static void test_triggers_refuse(void **state)
{
	lf_fx *f = *state;
	sqlite3 *h = NULL;

	lf_tx *tx = NULL;
	lf_audit_event ev = {.actor_id = 1, .action = "x.y", .entity_type = "thing"};

	append_events(f->s, 1, 3);
	assert_int_equal(lf_store_begin(f->s, LF_TX_WRITE, NULL, &tx), LF_OK);
	assert_int_equal(lf_audit_append(tx, &ev, NULL), LF_OK);
	assert_int_equal(lf_store_commit(tx), LF_OK);
	assert_int_equal(sqlite3_open_v2(f->path, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(h, 5000);
	assert_int_not_equal(
	    sqlite3_exec(h, "UPDATE audit_log SET details = '{}' WHERE seq = 2", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_not_equal(
	    sqlite3_exec(h, "DELETE FROM audit_log WHERE seq = 2", NULL, NULL, NULL), SQLITE_OK);
	/* Sealed once: a second sealing is refused... */
	assert_int_not_equal(sqlite3_exec(h,
					  "UPDATE audit_log SET seq = 99, batch = 99 WHERE seq = 2",
					  NULL, NULL, NULL),
			     SQLITE_OK);
	/* ...and so is any other change to an unsealed record, or a sealing
	 * that edits a field on the way. */
	assert_int_not_equal(
	    sqlite3_exec(h, "UPDATE audit_log SET details = '{}' WHERE id = 4", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_not_equal(
	    sqlite3_exec(h,
			 "UPDATE audit_log SET seq = 4, batch = 9, prev_hash = 'a',"
			 " hash = 'b', action = 'z' WHERE id = 4",
			 NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(h, "DELETE FROM audit_checkpoints", NULL, NULL, NULL),
			     SQLITE_OK);
	assert_int_not_equal(
	    sqlite3_exec(h, "UPDATE audit_checkpoints SET root = 'x'", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(h);
	assert_int_equal(seal_all(f->s), 1);
	expect_ok(f->s, 4);
}

/* A rolled-back append leaves no trace and the chain continues. */
static void test_rollback_keeps_chain(void **state)
{
	lf_fx *f = *state;
	lf_tx *tx = NULL;
	int64_t id = 0;
	lf_audit_event ev = {.actor_id = 1, .action = "x.y", .entity_type = "thing"};

	append_events(f->s, 1, 3);
	assert_int_equal(lf_store_begin(f->s, LF_TX_WRITE, NULL, &tx), LF_OK);
	assert_int_equal(lf_audit_append(tx, &ev, &id), LF_OK);
	assert_int_equal(id, 4);
	assert_int_equal(lf_audit_append(tx, &ev, &id), LF_OK);
	assert_int_equal(id, 5);
	lf_store_rollback(tx);
	assert_int_equal(seal_all(f->s), 0);
	expect_ok(f->s, 3);

	assert_int_equal(lf_store_begin(f->s, LF_TX_WRITE, NULL, &tx), LF_OK);
	assert_int_equal(lf_audit_append(tx, &ev, &id), LF_OK);
	assert_int_equal(id, 4);
	assert_int_equal(lf_store_commit(tx), LF_OK);
	assert_int_equal(seal_all(f->s), 1);
	expect_ok(f->s, 4);
}

static void *append_worker(void *arg)
{
	struct appender *w = arg;
	for (int i = 0; i < PER_THREAD; i++) {
		lf_tx *tx = NULL;
		char eid[32];
		snprintf(eid, sizeof(eid), "%d-%d", w->id, i);
		lf_audit_event ev = {.actor_id = w->id + 1,
				     .action = "concurrent",
				     .entity_type = "t",
				     .entity_id = eid};
		if (lf_store_begin(w->s, LF_TX_WRITE, NULL, &tx) != LF_OK) {
			w->failures++;
			continue;
		}
		if (lf_audit_append(tx, &ev, NULL) != LF_OK) {
			lf_store_rollback(tx);
			w->failures++;
			continue;
		}
		if (lf_store_commit(tx) != LF_OK)
			w->failures++;
	}
	return NULL;
}

/* Concurrent appenders beside a running sealer: every record is sealed
 * once, in one chain. */
static void test_concurrent_appends(void **state)
{
	lf_fx *f = *state;
	pthread_t th[NTHREADS];
	struct appender w[NTHREADS];
	lf_audit_sealer *sl = NULL;
	lf_audit_seal_opts o = {.interval_ms = 1};

	assert_int_equal(lf_audit_seal_start(f->s, &key, &o, &sl), LF_OK);
	for (int i = 0; i < NTHREADS; i++) {
		w[i] = (struct appender){.s = f->s, .id = i};
		assert_int_equal(pthread_create(&th[i], NULL, append_worker, &w[i]), 0);
	}
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].failures, 0);
	}
	lf_audit_seal_stop(sl);
	expect_ok(f->s, NTHREADS * PER_THREAD);
}

/* Every record's proof leads from its leaf to its signed checkpoint's
 * root, and the checkpoint verifies with the key. */
static void test_proofs(void **state)
{
	lf_fx *f = *state;
	char why[128];

	append_events(f->s, 1, NEVENTS);
	for (int64_t seq = 1; seq <= NEVENTS; seq++) {
		lf_audit_proof *p = lf_arena_alloc(f->arena, sizeof(*p));
		lf_merkle_hash leaf, root, path[LF_MERKLE_MAX_PATH];
		size_t rootlen = 0;
		assert_non_null(p);
		assert_int_equal(lf_audit_proof_get(f->s, f->arena, seq, p), LF_OK);
		assert_int_equal(p->record.seq, seq);
		assert_int_equal(p->tree_size, PER_TX);
		assert_int_equal(p->leaf_index, (seq - 1) % PER_TX);
		assert_int_equal(p->checkpoint.batch, (seq - 1) / PER_TX + 1);
		assert_int_equal(lf_checkpoint_verify(&p->checkpoint, key.pk, why, sizeof(why)),
				 LF_OK);
		assert_int_equal(lf_merkle_leaf(p->record.hash, leaf), LF_OK);
		for (size_t i = 0; i < p->path_len; i++)
			assert_int_equal(sodium_hex2bin(path[i], LF_MERKLE_HASH, p->path[i], 64,
							NULL, NULL, NULL),
					 0);
		assert_int_equal(sodium_hex2bin(root, sizeof(root), p->checkpoint.root, 64, NULL,
						&rootlen, NULL),
				 0);
		assert_int_equal(lf_merkle_verify(leaf, (size_t)p->leaf_index, (size_t)p->tree_size,
						  (const lf_merkle_hash *)path, p->path_len, root),
				 LF_OK);
	}
	lf_audit_proof *p = lf_arena_alloc(f->arena, sizeof(*p));
	assert_int_equal(lf_audit_proof_get(f->s, f->arena, NEVENTS + 1, p), LF_ERR_NOTFOUND);
}

/* Checkpoints published to a local anchor come back as they were; one
 * that is not a checkpoint is refused; the anchor never takes a batch
 * that does not continue it, and verify names the batch that differs. */
static void test_anchor(void **state)
{
	lf_fx *f = *state;
	char dir[128], why[200];
	lf_audit_anchor a = {.prefix = ""};
	lf_checkpoint db, got;
	lf_audit_verdict v;
	lf_tx *tx = NULL;
	int64_t anchored = 0, newest = 0;

	append_events(f->s, 1, NEVENTS);
	snprintf(dir, sizeof(dir), "%s/anchor", f->dir);
	assert_int_equal(lf_blob_open(dir, &a.bs, why, sizeof(why)), LF_OK);
	assert_int_equal(lf_audit_anchor_get(&a, 0, &got), LF_ERR_NOTFOUND);
	assert_int_equal(lf_audit_anchor_sync(f->s, &a, &key, &anchored, &newest, why, sizeof(why)),
			 LF_OK);
	assert_int_equal(anchored, NEVENTS / PER_TX);
	assert_int_equal(newest, NEVENTS / PER_TX);
	for (int64_t b = 0; b <= NEVENTS / PER_TX; b++) {
		assert_int_equal(lf_store_begin(f->s, LF_TX_READ, NULL, &tx), LF_OK);
		assert_int_equal(lf_store_audit_checkpoint_get(tx, b ? b : newest, &db), LF_OK);
		lf_store_rollback(tx);
		assert_int_equal(lf_audit_anchor_get(&a, b, &got), LF_OK);
		assert_memory_equal(&got, &db, sizeof(db));
	}
	assert_int_equal(lf_audit_verify(f->s, &key, &a, 60000, &v), LF_OK);
	assert_true(v.ok && v.anchored && v.anchor_ok);
	assert_int_equal(v.anchor_batch, newest);
	assert_int_equal(v.anchor_lag, 0);

	json_t *j = lf_checkpoint_to_json(&db);
	json_object_del(j, "signature");
	assert_int_equal(lf_checkpoint_from_json(j, &got), LF_ERR_INVALID);
	json_object_set_new(j, "signature", json_string(db.signature));
	json_object_set_new(j, "root",
			    json_string("00112233445566778899aabbccddeeff00112233445566778"
					"899aabbccddeeff00"));
	assert_int_equal(lf_checkpoint_from_json(j, &got), LF_ERR_INVALID);
	json_decref(j);

	/* The newest batch deleted and sealed anew, then one more on top:
	 * neither reaches the anchor. */
	raw_exec(f->path, "DROP TRIGGER audit_no_delete; DROP TRIGGER audit_checkpoints_no_delete;"
			  "DELETE FROM audit_log WHERE seq > 45;"
			  "DELETE FROM audit_checkpoints WHERE batch = 10;");
	/* (SQLite hands out the deleted ids again.) */
	append_events(f->s, NEVENTS - PER_TX + 1, 2 * PER_TX);
	assert_int_equal(lf_audit_anchor_sync(f->s, &a, &key, &anchored, &newest, why, sizeof(why)),
			 LF_ERR_CONFLICT);
	assert_non_null(
	    strstr(why, "checkpoint of batch 11 does not continue the anchored batch 10"));
	assert_int_equal(anchored, 10);
	assert_int_equal(lf_audit_anchor_get(&a, 11, &got), LF_ERR_NOTFOUND);
	assert_int_equal(lf_audit_verify(f->s, &key, &a, 60000, &v), LF_OK);
	assert_false(v.ok);
	assert_false(v.anchor_ok);
	assert_int_equal(v.anchor_broken_batch, 10);
	assert_non_null(strstr(v.reason, "checkpoint of batch 10 differs from its anchored copy"));
	lf_blob_close(a.bs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hash_deterministic),
	    cmocka_unit_test(test_hash_every_field),
	    cmocka_unit_test(test_hash_field_boundaries),
	    cmocka_unit_test_setup_teardown(test_empty_chain, lf_fx_setup, lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_append_and_verify, lf_fx_setup, lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_tamper_details, lf_fx_setup, lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_tamper_each_column, lf_fx_setup, lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_tamper_with_rehash, lf_fx_setup, lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_delete_middle, lf_fx_setup, lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_delete_and_renumber, lf_fx_setup, lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_triggers_refuse, lf_fx_setup, lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_rollback_keeps_chain, lf_fx_setup, lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_concurrent_appends, lf_fx_setup, lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_proofs, lf_fx_setup, lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_anchor, lf_fx_setup, lf_fx_teardown),
	};

	char dir[] = "/tmp/lf_test_audit_key_XXXXXX", path[64], err[256];
	if (sodium_init() < 0 || mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/audit-ed25519.key", dir);
	if (lf_audit_key_load(path, 1, &key, err, sizeof(err)) != LF_OK) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	cmocka_set_message_output(CM_OUTPUT_TAP);
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	lf_fx_rm_dir(dir);
	return failed;
}
