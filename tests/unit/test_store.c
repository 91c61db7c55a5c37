/*
 * test_store.c - the SQLite store: migrations, users, sessions, refresh
 * tokens, transactions and concurrent readers, on real temporary files.
 */
#include "store/db.h"
#include "store/store.h"
#include "store/store_ml.h"

#include "fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOW	 1700000000000LL
#define NPAGED	 23
#define NREADERS 8
#define POOL	 4
#define NWRITES	 150
#define HASH	 "$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA"

struct fixture {
	char dir[64];
	char url[128];
	lf_store *s;
	lf_arena *arena;
};

struct reader {
	lf_store *s;
	atomic_int *stop;
	int iterations;
	int errors;
	int64_t last_count;
};

static int setup(void **state);
static int teardown(void **state);
static int open_store(struct fixture *f);
static int64_t add_user(lf_store *s, const char *email, const char *role);
static void *reader_main(void *arg);

/* A fresh database folder per test; migrations already applied. */
static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int applied = -1;

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/lf_test_store_XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->url, sizeof(f->url), "sqlite:%s/sub/db", f->dir);
	f->arena = lf_arena_create();
	*state = f;
	if (f->arena == NULL || open_store(f) != LF_OK ||
	    lf_store_migrate(f->s, &applied) != LF_OK || applied != lf_migrations_sqlite_count) {
		/* cmocka skips the teardown of a failed setup. */
		teardown(state);
		*state = NULL;
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f == NULL)
		return 0;
	lf_store_close(f->s);
	lf_arena_destroy(f->arena);
	lf_fx_rm_dir(f->dir);
	free(f);
	return 0;
}

static int open_store(struct fixture *f)
{
	char err[256] = "";
	int ret = lf_store_open(f->url, POOL, &f->s, err, sizeof(err));
	if (ret != LF_OK)
		print_error("lf_store_open(%s): %s\n", f->url, err);
	return ret;
}

static int64_t add_user(lf_store *s, const char *email, const char *role)
{
	lf_tx *tx = NULL;
	int64_t id = 0;
	assert_int_equal(lf_store_begin(s, LF_TX_WRITE, NULL, &tx), LF_OK);
	assert_int_equal(lf_store_user_insert(tx, email, "Some One", role, HASH, NOW, &id), LF_OK);
	assert_int_equal(lf_store_commit(tx), LF_OK);
	assert_true(id > 0);
	return id;
}

static void test_open_errors(void **state)
{
	lf_store *s = NULL;
	char err[256] = "";

	/* A PostgreSQL server that is not there fails at open, saying so. */
	assert_int_equal(lf_store_open("postgres://u@127.0.0.1:1/db", 1, &s, err, sizeof(err)),
			 LF_ERR_DB);
	assert_non_null(strstr(err, "cannot connect to PostgreSQL"));
	err[0] = '\0';
	assert_int_equal(lf_store_open("sqlite:", 1, &s, err, sizeof(err)), LF_ERR_INVALID);
	assert_true(err[0] != '\0');
	assert_null(s);
}

static void test_migrations(void **state)
{
	struct fixture *f = *state;
	int version = -1, applied = -1;

	/* Versions are 1..N in order, so "version = N" means all applied. */
	assert_true(lf_migrations_sqlite_count >= 1);
	for (int i = 0; i < lf_migrations_sqlite_count; i++)
		assert_int_equal(lf_migrations_sqlite[i].version, i + 1);
	assert_int_equal(lf_store_schema_version(f->s, &version), LF_OK);
	assert_int_equal(version, lf_migrations_sqlite_count);
	assert_int_equal(lf_store_ping(f->s), LF_OK);

	assert_int_equal(lf_store_migrate(f->s, &applied), LF_OK);
	assert_int_equal(applied, 0);
	assert_int_equal(lf_store_migrate(f->s, NULL), LF_OK);

	/* Reopening the same file: still migrated, nothing to apply. */
	lf_store_close(f->s);
	f->s = NULL;
	assert_int_equal(open_store(f), LF_OK);
	applied = -1;
	assert_int_equal(lf_store_migrate(f->s, &applied), LF_OK);
	assert_int_equal(applied, 0);
	assert_int_equal(lf_store_schema_version(f->s, &version), LF_OK);
	assert_int_equal(version, lf_migrations_sqlite_count);
}

static void test_user_insert_get(void **state)
{
	struct fixture *f = *state;
	lf_tx *tx = NULL;
	lf_user u;
	const char *ph = NULL;
	int64_t id = 0, id2 = 0, dup = 0, n = 0;

	assert_int_equal(lf_store_begin(f->s, LF_TX_WRITE, f->arena, &tx), LF_OK);
	assert_int_equal(
	    lf_store_user_insert(tx, "Alice@Example.com", "Alice", "annotator", HASH, NOW, &id),
	    LF_OK);
	assert_true(id > 0);
	/* Same email in another case: a conflict, and the transaction goes on. */
	assert_int_equal(
	    lf_store_user_insert(tx, "alice@EXAMPLE.COM", "Other", "reviewer", HASH, NOW, &dup),
	    LF_ERR_CONFLICT);
	assert_int_equal(
	    lf_store_user_insert(tx, "alice@example.com", "Other", "reviewer", HASH, NOW, &dup),
	    LF_ERR_CONFLICT);
	assert_int_not_equal(
	    lf_store_user_insert(tx, "eve@example.com", "Eve", "root", HASH, NOW, &dup), LF_OK);
	assert_int_equal(
	    lf_store_user_insert(tx, "bob@example.com", "Bob", "admin", "h2", NOW + 5, &id2),
	    LF_OK);
	assert_true(id2 > id);
	assert_int_equal(lf_store_commit(tx), LF_OK);

	assert_int_equal(lf_store_begin(f->s, LF_TX_READ, f->arena, &tx), LF_OK);
	memset(&u, 0, sizeof(u));
	assert_int_equal(lf_store_user_get(tx, id, &u), LF_OK);
	assert_int_equal(u.id, id);
	assert_string_equal(u.email, "Alice@Example.com");
	assert_string_equal(u.name, "Alice");
	assert_string_equal(u.role, "annotator");
	assert_int_equal(u.active, 1);
	assert_int_equal(u.created_at, NOW);
	assert_int_equal(u.updated_at, NOW);

	memset(&u, 0, sizeof(u));
	assert_int_equal(lf_store_user_by_email(tx, "ALICE@example.com", &u, &ph), LF_OK);
	assert_int_equal(u.id, id);
	assert_non_null(ph);
	assert_string_equal(ph, HASH);
	assert_int_equal(lf_store_user_by_email(tx, "bob@example.com", &u, NULL), LF_OK);
	assert_int_equal(u.id, id2);
	assert_string_equal(u.role, "admin");
	assert_int_equal(u.created_at, NOW + 5);

	assert_int_equal(lf_store_user_by_email(tx, "nobody@example.com", &u, &ph),
			 LF_ERR_NOTFOUND);
	assert_int_equal(lf_store_user_by_email(tx, "alice@example.co", &u, &ph), LF_ERR_NOTFOUND);
	assert_int_equal(lf_store_user_get(tx, id2 + 100, &u), LF_ERR_NOTFOUND);
	assert_int_equal(lf_store_user_count(tx, &n), LF_OK);
	assert_int_equal(n, 2);
	lf_store_rollback(tx);

	/* Rows live in the arena, past the end of the transaction. */
	assert_string_equal(u.email, "bob@example.com");
}

static void test_user_list_pagination(void **state)
{
	struct fixture *f = *state;
	int64_t ids[NPAGED], seen[NPAGED + 1];
	int nseen = 0, pages = 0;
	int64_t after = 0;
	char email[64];

	for (int i = 0; i < NPAGED; i++) {
		snprintf(email, sizeof(email), "user%02d@example.com", i);
		ids[i] = add_user(f->s, email, i % 2 ? "reviewer" : "annotator");
	}
	for (;;) {
		lf_tx *tx = NULL;
		lf_user *items = NULL;
		int n = -1;
		assert_int_equal(lf_store_begin(f->s, LF_TX_READ, f->arena, &tx), LF_OK);
		assert_int_equal(lf_store_user_list(tx, after, 10, &items, &n), LF_OK);
		lf_store_rollback(tx);
		pages++;
		assert_true(n >= 0 && n <= 10);
		if (n == 0)
			break;
		for (int i = 0; i < n; i++) {
			assert_true(items[i].id > after);
			assert_true(nseen < NPAGED);
			snprintf(email, sizeof(email), "user%02d@example.com", nseen);
			assert_string_equal(items[i].email, email);
			seen[nseen++] = items[i].id;
			after = items[i].id;
		}
		assert_true(pages <= 4);
	}
	assert_int_equal(pages, 4); /* 10 + 10 + 3, then an empty page */
	assert_int_equal(nseen, NPAGED);
	assert_memory_equal(seen, ids, sizeof(ids));

	/* Limit 1 from the middle, and a zero limit. */
	lf_tx *tx = NULL;
	lf_user *items = NULL;
	int n = -1;
	assert_int_equal(lf_store_begin(f->s, LF_TX_READ, f->arena, &tx), LF_OK);
	assert_int_equal(lf_store_user_list(tx, ids[4], 1, &items, &n), LF_OK);
	assert_int_equal(n, 1);
	assert_int_equal(items[0].id, ids[5]);
	assert_int_equal(lf_store_user_list(tx, ids[NPAGED - 1], 10, &items, &n), LF_OK);
	assert_int_equal(n, 0);
	assert_int_equal(lf_store_user_list(tx, 0, 0, &items, &n), LF_OK);
	assert_int_equal(n, 0);
	lf_store_rollback(tx);
}

static void test_user_update(void **state)
{
	struct fixture *f = *state;
	int64_t id = add_user(f->s, "carol@example.com", "annotator");
	lf_tx *tx = NULL;
	lf_user u;
	const char *ph = NULL;

	assert_int_equal(lf_store_begin(f->s, LF_TX_WRITE, f->arena, &tx), LF_OK);
	assert_int_equal(lf_store_user_update(tx, id, "Carol C", NULL, -1, NULL, NOW + 10), LF_OK);
	assert_int_equal(lf_store_user_get(tx, id, &u), LF_OK);
	assert_string_equal(u.name, "Carol C");
	assert_string_equal(u.role, "annotator");
	assert_int_equal(u.active, 1);
	assert_int_equal(u.created_at, NOW);
	assert_int_equal(u.updated_at, NOW + 10);

	assert_int_equal(
	    lf_store_user_update(tx, id, NULL, "super_reviewer", 0, "newhash", NOW + 20), LF_OK);
	assert_int_equal(lf_store_user_by_email(tx, "carol@example.com", &u, &ph), LF_OK);
	assert_string_equal(u.name, "Carol C");
	assert_string_equal(u.role, "super_reviewer");
	assert_int_equal(u.active, 0);
	assert_int_equal(u.updated_at, NOW + 20);
	assert_string_equal(ph, "newhash");

	/* A login's rehash lands only on the hash it verified: not over a
	 * password changed since. */
	assert_int_equal(lf_store_user_rehash(tx, id, "oldhash", "rehashed"), LF_OK);
	assert_int_equal(lf_store_user_by_email(tx, "carol@example.com", &u, &ph), LF_OK);
	assert_string_equal(ph, "newhash");
	assert_int_equal(lf_store_user_rehash(tx, id, "newhash", "rehashed"), LF_OK);
	assert_int_equal(lf_store_user_by_email(tx, "carol@example.com", &u, &ph), LF_OK);
	assert_string_equal(ph, "rehashed");
	assert_int_equal(u.updated_at, NOW + 20);

	/* active < 0 keeps the current value (here 0), 1 reactivates. */
	assert_int_equal(lf_store_user_update(tx, id, NULL, NULL, -1, NULL, NOW + 30), LF_OK);
	assert_int_equal(lf_store_user_get(tx, id, &u), LF_OK);
	assert_int_equal(u.active, 0);
	assert_int_equal(lf_store_user_update(tx, id, NULL, NULL, 1, NULL, NOW + 40), LF_OK);
	assert_int_equal(lf_store_user_get(tx, id, &u), LF_OK);
	assert_int_equal(u.active, 1);

	assert_int_equal(lf_store_user_update(tx, id + 1000, "x", NULL, -1, NULL, NOW),
			 LF_ERR_NOTFOUND);
	assert_int_not_equal(lf_store_user_update(tx, id, NULL, "root", -1, NULL, NOW), LF_OK);
	assert_int_equal(lf_store_commit(tx), LF_OK);

	assert_int_equal(lf_store_begin(f->s, LF_TX_READ, f->arena, &tx), LF_OK);
	assert_int_equal(lf_store_user_get(tx, id, &u), LF_OK);
	assert_string_equal(u.role, "super_reviewer");
	assert_string_equal(u.name, "Carol C");
	lf_store_rollback(tx);
}

static void test_sessions(void **state)
{
	struct fixture *f = *state;
	int64_t uid = add_user(f->s, "dave@example.com", "reviewer");
	int64_t other = add_user(f->s, "erin@example.com", "annotator");
	lf_tx *tx = NULL;
	lf_user u;

	assert_int_equal(lf_store_begin(f->s, LF_TX_WRITE, f->arena, &tx), LF_OK);
	assert_int_equal(lf_store_session_insert(tx, "s-live", uid, NOW, NOW + 1000), LF_OK);
	assert_int_equal(lf_store_session_insert(tx, "s-second", uid, NOW, NOW + 1000), LF_OK);
	assert_int_equal(lf_store_session_insert(tx, "s-other", other, NOW, NOW + 1000), LF_OK);
	/* The session id is a primary key. */
	assert_int_equal(lf_store_session_insert(tx, "s-live", other, NOW, NOW + 1000),
			 LF_ERR_CONFLICT);
	assert_int_equal(lf_store_commit(tx), LF_OK);

	assert_int_equal(lf_store_begin(f->s, LF_TX_READ, f->arena, &tx), LF_OK);
	memset(&u, 0, sizeof(u));
	assert_int_equal(lf_store_session_check(tx, "s-live", uid, NOW + 1, &u), LF_OK);
	assert_int_equal(u.id, uid);
	assert_string_equal(u.email, "dave@example.com");
	assert_string_equal(u.role, "reviewer");
	assert_int_equal(u.active, 1);
	/* Expiry is exclusive: valid up to expires_at - 1. */
	assert_int_equal(lf_store_session_check(tx, "s-live", uid, NOW + 999, &u), LF_OK);
	assert_int_equal(lf_store_session_check(tx, "s-live", uid, NOW + 1000, &u), LF_ERR_AUTH);
	assert_int_equal(lf_store_session_check(tx, "s-live", uid, NOW + 5000, &u), LF_ERR_AUTH);
	/* Another user's session, or an unknown one. */
	assert_int_equal(lf_store_session_check(tx, "s-live", other, NOW + 1, &u), LF_ERR_AUTH);
	assert_int_equal(lf_store_session_check(tx, "s-nope", uid, NOW + 1, &u), LF_ERR_AUTH);
	lf_store_rollback(tx);

	/* Revoking one session leaves the others. */
	assert_int_equal(lf_store_begin(f->s, LF_TX_WRITE, f->arena, &tx), LF_OK);
	assert_int_equal(lf_store_session_revoke(tx, "s-live", NOW + 2, "logout"), LF_OK);
	assert_int_equal(lf_store_session_check(tx, "s-live", uid, NOW + 3, &u), LF_ERR_AUTH);
	assert_int_equal(lf_store_session_check(tx, "s-second", uid, NOW + 3, &u), LF_OK);
	assert_int_equal(lf_store_commit(tx), LF_OK);

	/* Deactivating the user shuts every session of theirs. */
	assert_int_equal(lf_store_begin(f->s, LF_TX_WRITE, f->arena, &tx), LF_OK);
	assert_int_equal(lf_store_user_update(tx, uid, NULL, NULL, 0, NULL, NOW + 4), LF_OK);
	assert_int_equal(lf_store_commit(tx), LF_OK);
	assert_int_equal(lf_store_begin(f->s, LF_TX_READ, f->arena, &tx), LF_OK);
	assert_int_equal(lf_store_session_check(tx, "s-second", uid, NOW + 5, &u), LF_ERR_AUTH);
	assert_int_equal(lf_store_session_check(tx, "s-other", other, NOW + 5, &u), LF_OK);
	lf_store_rollback(tx);

	/* Reactivated, the unrevoked session works again... */
	assert_int_equal(lf_store_begin(f->s, LF_TX_WRITE, f->arena, &tx), LF_OK);
	assert_int_equal(lf_store_user_update(tx, uid, NULL, NULL, 1, NULL, NOW + 6), LF_OK);
	assert_int_equal(lf_store_session_check(tx, "s-second", uid, NOW + 7, &u), LF_OK);
	/* ...until all of the user's sessions are revoked. */
	assert_int_equal(lf_store_session_revoke_user(tx, uid, NOW + 8, "password change"), LF_OK);
	assert_int_equal(lf_store_session_check(tx, "s-second", uid, NOW + 9, &u), LF_ERR_AUTH);
	assert_int_equal(lf_store_session_check(tx, "s-other", other, NOW + 9, &u), LF_OK);
	assert_int_equal(lf_store_commit(tx), LF_OK);
}

static void test_refresh_tokens(void **state)
{
	struct fixture *f = *state;
	int64_t uid = add_user(f->s, "frank@example.com", "annotator");
	lf_tx *tx = NULL;
	lf_refresh r;

	assert_int_equal(lf_store_begin(f->s, LF_TX_WRITE, f->arena, &tx), LF_OK);
	assert_int_equal(lf_store_session_insert(tx, "fam-1", uid, NOW, NOW + 100000), LF_OK);
	assert_int_equal(lf_store_session_insert(tx, "fam-2", uid, NOW, NOW + 100000), LF_OK);
	assert_int_equal(lf_store_refresh_insert(tx, "tok-a", "fam-1", NOW, NOW + 50000), LF_OK);
	assert_int_equal(lf_store_refresh_insert(tx, "tok-short", "fam-1", NOW, NOW + 10), LF_OK);
	assert_int_equal(lf_store_refresh_insert(tx, "tok-b", "fam-2", NOW, NOW + 50000), LF_OK);
	assert_int_equal(lf_store_refresh_insert(tx, "tok-a", "fam-2", NOW, NOW + 50000),
			 LF_ERR_CONFLICT);
	assert_int_equal(lf_store_commit(tx), LF_OK);

	assert_int_equal(lf_store_begin(f->s, LF_TX_WRITE, f->arena, &tx), LF_OK);
	memset(&r, 0x7f, sizeof(r));
	assert_int_equal(lf_store_refresh_take(tx, "tok-a", NOW + 1, &r), LF_OK);
	assert_string_equal(r.sid, "fam-1");
	assert_int_equal(r.user_id, uid);
	assert_int_equal(r.used, 0);
	assert_int_equal(r.revoked, 0);
	assert_int_equal(r.expired, 0);
	assert_int_equal(lf_store_commit(tx), LF_OK);

	/* The second take is a replay, also in a later transaction. */
	assert_int_equal(lf_store_begin(f->s, LF_TX_WRITE, f->arena, &tx), LF_OK);
	assert_int_equal(lf_store_refresh_take(tx, "tok-a", NOW + 2, &r), LF_OK);
	assert_int_equal(r.used, 1);
	assert_string_equal(r.sid, "fam-1");
	assert_int_equal(lf_store_refresh_take(tx, "tok-a", NOW + 3, &r), LF_OK);
	assert_int_equal(r.used, 1);

	assert_int_equal(lf_store_refresh_take(tx, "tok-unknown", NOW, &r), LF_ERR_NOTFOUND);
	assert_int_equal(lf_store_refresh_take(tx, "", NOW, &r), LF_ERR_NOTFOUND);

	/* Expiry of the token (exclusive, like sessions). */
	assert_int_equal(lf_store_refresh_take(tx, "tok-short", NOW + 10, &r), LF_OK);
	assert_int_equal(r.expired, 1);
	assert_int_equal(r.used, 0);

	/* A revoked family, and an expired session behind a live token. */
	assert_int_equal(lf_store_session_revoke(tx, "fam-2", NOW + 4, "replay"), LF_OK);
	assert_int_equal(lf_store_refresh_take(tx, "tok-b", NOW + 5, &r), LF_OK);
	assert_int_equal(r.revoked, 1);
	assert_int_equal(r.used, 0);
	assert_int_equal(lf_store_commit(tx), LF_OK);

	assert_int_equal(lf_store_begin(f->s, LF_TX_WRITE, f->arena, &tx), LF_OK);
	assert_int_equal(lf_store_session_insert(tx, "fam-3", uid, NOW, NOW + 100), LF_OK);
	assert_int_equal(lf_store_refresh_insert(tx, "tok-c", "fam-3", NOW, NOW + 50000), LF_OK);
	assert_int_equal(lf_store_refresh_take(tx, "tok-c", NOW + 100, &r), LF_OK);
	assert_int_equal(r.expired, 1);
	lf_store_rollback(tx);
}

/* A rolled-back transaction leaves nothing behind; a committed one is
 * visible to a fresh read. */
static void test_rollback_discards(void **state)
{
	struct fixture *f = *state;
	lf_tx *tx = NULL;
	lf_user u;
	int64_t id = 0, n = -1;

	int64_t keep = add_user(f->s, "kept@example.com", "annotator");
	assert_int_equal(lf_store_begin(f->s, LF_TX_WRITE, f->arena, &tx), LF_OK);
	assert_int_equal(
	    lf_store_user_insert(tx, "ghost@example.com", "Ghost", "admin", HASH, NOW, &id), LF_OK);
	assert_int_equal(lf_store_user_update(tx, keep, "Renamed", NULL, 0, NULL, NOW + 1), LF_OK);
	assert_int_equal(lf_store_session_insert(tx, "ghost-s", id, NOW, NOW + 1000), LF_OK);
	/* Visible inside the transaction itself... */
	assert_int_equal(lf_store_user_get(tx, id, &u), LF_OK);
	assert_int_equal(lf_store_user_count(tx, &n), LF_OK);
	assert_int_equal(n, 2);
	lf_store_rollback(tx);

	/* ...and gone afterwards. */
	assert_int_equal(lf_store_begin(f->s, LF_TX_READ, f->arena, &tx), LF_OK);
	assert_int_equal(lf_store_user_get(tx, id, &u), LF_ERR_NOTFOUND);
	assert_int_equal(lf_store_user_by_email(tx, "ghost@example.com", &u, NULL),
			 LF_ERR_NOTFOUND);
	assert_int_equal(lf_store_session_check(tx, "ghost-s", id, NOW + 1, &u), LF_ERR_AUTH);
	assert_int_equal(lf_store_user_get(tx, keep, &u), LF_OK);
	assert_string_equal(u.name, "Some One");
	assert_int_equal(u.active, 1);
	assert_int_equal(lf_store_user_count(tx, &n), LF_OK);
	assert_int_equal(n, 1);
	lf_store_rollback(tx);

	/* The writer is usable after a rollback, and the email is free. */
	add_user(f->s, "ghost@example.com", "admin");
	lf_store_rollback(NULL);
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	lf_arena *a = lf_arena_create();
	if (a == NULL) {
		r->errors++;
		return NULL;
	}
	while (!atomic_load(r->stop) || r->iterations < 20) {
		lf_tx *tx = NULL;
		lf_user *items = NULL;
		int n = 0;
		int64_t count = 0;
		if (lf_store_begin(r->s, LF_TX_READ, a, &tx) != LF_OK) {
			r->errors++;
			break;
		}
		/* One snapshot: the count and the full listing agree, and
		 * counts never go backwards between snapshots. */
		if (lf_store_user_count(tx, &count) != LF_OK ||
		    lf_store_user_list(tx, 0, 10000, &items, &n) != LF_OK || n != count ||
		    count < r->last_count)
			r->errors++;
		for (int i = 1; i < n; i++)
			if (items[i].id <= items[i - 1].id)
				r->errors++;
		r->last_count = count;
		lf_store_rollback(tx);
		lf_arena_reset(a);
		r->iterations++;
	}
	lf_arena_destroy(a);
	return NULL;
}

/* More reader threads than pooled connections, while a writer inserts. */
static void test_concurrent_readers(void **state)
{
	struct fixture *f = *state;
	pthread_t th[NREADERS];
	struct reader rd[NREADERS];
	atomic_int stop = 0;
	char email[64];
	lf_tx *tx = NULL;
	int64_t n = 0;

	add_user(f->s, "seed@example.com", "admin");
	for (int i = 0; i < NREADERS; i++) {
		rd[i] = (struct reader){.s = f->s, .stop = &stop};
		assert_int_equal(pthread_create(&th[i], NULL, reader_main, &rd[i]), 0);
	}
	for (int i = 0; i < NWRITES; i++) {
		int64_t id = 0;
		snprintf(email, sizeof(email), "w%03d@example.com", i);
		assert_int_equal(lf_store_begin(f->s, LF_TX_WRITE, NULL, &tx), LF_OK);
		assert_int_equal(
		    lf_store_user_insert(tx, email, "Writer", "annotator", HASH, NOW, &id), LF_OK);
		assert_int_equal(lf_store_commit(tx), LF_OK);
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < NREADERS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(rd[i].errors, 0);
		assert_true(rd[i].iterations >= 20);
	}
	assert_int_equal(lf_store_begin(f->s, LF_TX_READ, f->arena, &tx), LF_OK);
	assert_int_equal(lf_store_user_count(tx, &n), LF_OK);
	lf_store_rollback(tx);
	assert_int_equal(n, NWRITES + 1);
}

/* A backend's call slots: at most cap held at once; a slot is free again
 * when its holder gives it back or its until has passed, and only its
 * holder can give it back. */
static void test_ml_call_slots(void **state)
{
	struct fixture *f = *state;
	lf_tx *tx = NULL;
	int slot = -1;

	assert_int_equal(lf_store_begin(f->s, LF_TX_WRITE, f->arena, &tx), LF_OK);
	assert_int_equal(lf_store_ml_slot_take(tx, 7, 2, "a", NOW, NOW + 100, &slot), LF_OK);
	assert_int_equal(slot, 0);
	assert_int_equal(lf_store_ml_slot_take(tx, 7, 2, "b", NOW, NOW + 100, &slot), LF_OK);
	assert_int_equal(slot, 1);
	assert_int_equal(lf_store_ml_slot_take(tx, 7, 2, "c", NOW, NOW + 100, &slot),
			 LF_ERR_CONFLICT);
	/* Another backend has slots of its own. */
	assert_int_equal(lf_store_ml_slot_take(tx, 8, 1, "x", NOW, NOW + 100, &slot), LF_OK);
	assert_int_equal(slot, 0);
	/* Only the holder gives a slot back. */
	assert_int_equal(lf_store_ml_slot_give(tx, 7, 0, "b"), LF_OK);
	assert_int_equal(lf_store_ml_slot_take(tx, 7, 2, "c", NOW, NOW + 100, &slot),
			 LF_ERR_CONFLICT);
	assert_int_equal(lf_store_ml_slot_give(tx, 7, 0, "a"), LF_OK);
	assert_int_equal(lf_store_ml_slot_take(tx, 7, 2, "c", NOW, NOW + 100, &slot), LF_OK);
	assert_int_equal(slot, 0);
	/* A holder that never gives back (a killed process) loses its slot at
	 * until; its late give-back then frees nothing of the new holder's. */
	assert_int_equal(lf_store_ml_slot_take(tx, 7, 2, "d", NOW + 101, NOW + 200, &slot), LF_OK);
	assert_int_equal(slot, 0);
	assert_int_equal(lf_store_ml_slot_give(tx, 7, 0, "c"), LF_OK);
	assert_int_equal(lf_store_ml_slot_take(tx, 7, 2, "e", NOW + 150, NOW + 300, &slot), LF_OK);
	assert_int_equal(slot, 1);
	assert_int_equal(lf_store_ml_slot_take(tx, 7, 2, "f", NOW + 150, NOW + 300, &slot),
			 LF_ERR_CONFLICT);
	/* A lower cap: slots past it are not taken. */
	assert_int_equal(lf_store_ml_slot_take(tx, 7, 1, "g", NOW + 250, NOW + 300, &slot), LF_OK);
	assert_int_equal(slot, 0);
	assert_int_equal(lf_store_ml_slot_take(tx, 7, 1, "h", NOW + 250, NOW + 300, &slot),
			 LF_ERR_CONFLICT);
	lf_store_rollback(tx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_open_errors),
	    cmocka_unit_test_setup_teardown(test_migrations, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_user_insert_get, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_user_list_pagination, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_user_update, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sessions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refresh_tokens, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rollback_discards, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_concurrent_readers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ml_call_slots, setup, teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
