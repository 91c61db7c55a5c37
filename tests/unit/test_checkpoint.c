/*
 * test_checkpoint.c - signed checkpoints of the audit chain and the key
 * file they are signed with.
 *
 * The known answers (public key, hash, signature) were printed by Debian's
 * python3-nacl and hashlib when these tests were written, from the seed
 * 01 02 .. 20 and the message in test_message:
 *
 *   sk = nacl.signing.SigningKey(bytes(range(1, 33)))
 *   sk.verify_key.encode().hex(); hashlib.sha256(msg).hexdigest()
 *   sk.sign(msg).signature.hex()
 */
#include "audit/checkpoint.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/lf.h"
#include "fixture.h"

#define SEED_HEX "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20"
#define PK_HEX	 "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664"
#define ROOT_HEX "4813494d137e1631bba301d5acab6e7bb7aa74ce1185d456565ef51d737677b2"
#define ZEROS	 "0000000000000000000000000000000000000000000000000000000000000000"
#define NRACERS	 8

struct racer {
	const char *path;
	lf_audit_key key;
	int ret;
};

static void write_file(const char *path, const char *text);
static lf_checkpoint sample(void);
static void load_known_key(const char *dir, lf_audit_key *key);
static void expect_refused(lf_checkpoint c, const unsigned char pk[32], const char *why_part);
static void *race(void *arg);
static int setup_dir(void **state);
static int teardown_dir(void **state);
static void test_message(void **state);
static void test_message_limits(void **state);
static void test_sign_known_answer(void **state);
static void test_tamper_each_field(void **state);
static void test_other_key(void **state);
static void test_key_create_reload(void **state);
static void test_key_create_race(void **state);
static void test_key_bad_files(void **state);

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static lf_checkpoint sample(void)
{
	lf_checkpoint c = {
	    .batch = 3, .first_seq = 101, .last_seq = 150, .sealed_at = 1700000000123};
	memcpy(c.root, ROOT_HEX, 65);
	memcpy(c.prev, ZEROS, 65);
	return c;
}

static void load_known_key(const char *dir, lf_audit_key *key)
{
	char path[256], err[256];
	snprintf(path, sizeof(path), "%s/known.key", dir);
	write_file(path, SEED_HEX "\n");
	assert_int_equal(lf_audit_key_load(path, 0, key, err, sizeof(err)), LF_OK);
}

static void expect_refused(lf_checkpoint c, const unsigned char pk[32], const char *why_part)
{
	char why[256] = "";
	assert_int_equal(lf_checkpoint_verify(&c, pk, why, sizeof(why)), LF_ERR_CONFLICT);
	if (strstr(why, why_part) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", why, why_part);
}

static void *race(void *arg)
{
	struct racer *r = arg;
	char err[256];
	r->ret = lf_audit_key_load(r->path, 1, &r->key, err, sizeof(err));
	return NULL;
}

static int setup_dir(void **state)
{
	char *dir = strdup("/tmp/lf_test_checkpoint_XXXXXX");
	if (dir == NULL || mkdtemp(dir) == NULL)
		return -1;
	*state = dir;
	return 0;
}

static int teardown_dir(void **state)
{
	lf_fx_rm_dir(*state);
	free(*state);
	return 0;
}

static void test_message(void **state)
{
	lf_checkpoint c = sample();
	char buf[256];
	size_t len = 0;
	(void)state;
	assert_int_equal(lf_checkpoint_message(&c, buf, sizeof(buf), &len), LF_OK);
	assert_string_equal(buf, "labelflow-audit-checkpoint/1\n"
				 "batch=3\nfirst=101\nlast=150\n"
				 "root=" ROOT_HEX "\nprev=" ZEROS "\nts=1700000000123\n");
	assert_int_equal(len, strlen(buf));
}

/* The largest fields fit in LF_CHECKPOINT_MSG_MAX exactly; a short
 * buffer, a root or prev that is not 64 lowercase hex digits and an
 * impossible range are refused. */
static void test_message_limits(void **state)
{
	lf_checkpoint c = sample();
	char buf[LF_CHECKPOINT_MSG_MAX];
	size_t len = 0;
	(void)state;
	c.batch = c.first_seq = c.last_seq = c.sealed_at = INT64_MAX;
	assert_int_equal(lf_checkpoint_message(&c, buf, sizeof(buf), &len), LF_OK);
	assert_int_equal(len + 1, LF_CHECKPOINT_MSG_MAX);
	assert_int_equal(lf_checkpoint_message(&c, buf, len, &len), LF_ERR_LIMIT);
	c = sample();
	assert_int_equal(lf_checkpoint_message(&c, buf, 10, &len), LF_ERR_LIMIT);
	c.batch = 0;
	assert_int_equal(lf_checkpoint_message(&c, buf, sizeof(buf), &len), LF_ERR_INVALID);
	c = sample();
	c.first_seq = 0;
	assert_int_equal(lf_checkpoint_message(&c, buf, sizeof(buf), &len), LF_ERR_INVALID);
	c = sample();
	c.last_seq = c.first_seq - 1;
	assert_int_equal(lf_checkpoint_message(&c, buf, sizeof(buf), &len), LF_ERR_INVALID);
	c = sample();
	c.sealed_at = -1;
	assert_int_equal(lf_checkpoint_message(&c, buf, sizeof(buf), &len), LF_ERR_INVALID);
	c = sample();
	c.root[0] = 'A';
	assert_int_equal(lf_checkpoint_message(&c, buf, sizeof(buf), &len), LF_ERR_INVALID);
	c = sample();
	c.prev[63] = '\0';
	assert_int_equal(lf_checkpoint_message(&c, buf, sizeof(buf), &len), LF_ERR_INVALID);
}

static void test_sign_known_answer(void **state)
{
	lf_audit_key key;
	lf_checkpoint c = sample();
	char why[256] = "";
	load_known_key(*state, &key);
	assert_string_equal(key.pk_hex, PK_HEX);
	assert_string_equal(key.key_id, "79b5562e8fe654f9");
	assert_int_equal(lf_checkpoint_sign(&c, &key), LF_OK);
	assert_string_equal(c.hash,
			    "ee3caafc8dfabd6c5b9f681533a07d40e2e15c355ec40e5dd21797eda0edd14c");
	assert_string_equal(c.signature,
			    "aaeeecb1cf759f74399ad0d77d6427eefd24f3acbb082152c45af4b5aa55e92f"
			    "ece83cb3113edcea6ff1a77da3410894cb72dd2ac8343c4af9b1ffc997558a09");
	assert_string_equal(c.key_id, "79b5562e8fe654f9");
	assert_int_equal(lf_checkpoint_verify(&c, key.pk, why, sizeof(why)), LF_OK);
	sodium_memzero(&key, sizeof(key));
}

/* Each field changed after signing is caught, and named: the hash for the
 * signed fields, the signature and key id for themselves. */
static void test_tamper_each_field(void **state)
{
	lf_audit_key key;
	lf_checkpoint c = sample(), t;
	load_known_key(*state, &key);
	assert_int_equal(lf_checkpoint_sign(&c, &key), LF_OK);
	t = c;
	t.batch++;
	expect_refused(t, key.pk, "hash does not match");
	t = c;
	t.first_seq--;
	expect_refused(t, key.pk, "hash does not match");
	t = c;
	t.last_seq++;
	expect_refused(t, key.pk, "hash does not match");
	t = c;
	t.sealed_at++;
	expect_refused(t, key.pk, "hash does not match");
	t = c;
	t.root[10] = t.root[10] == '0' ? '1' : '0';
	expect_refused(t, key.pk, "hash does not match");
	t = c;
	t.prev[63] = '1';
	expect_refused(t, key.pk, "hash does not match");
	t = c;
	t.root[5] = 'x';
	expect_refused(t, key.pk, "not 64 hex");
	t = c;
	t.hash[0] = t.hash[0] == '0' ? '1' : '0';
	expect_refused(t, key.pk, "hash does not match");
	t = c;
	t.signature[7] = t.signature[7] == '0' ? '1' : '0';
	expect_refused(t, key.pk, "signature does not verify");
	t = c;
	t.signature[127] = '\0';
	expect_refused(t, key.pk, "signature does not verify");
	t = c;
	t.key_id[15] = t.key_id[15] == '0' ? '1' : '0';
	expect_refused(t, key.pk, "signed by key");
	sodium_memzero(&key, sizeof(key));
}

/* A checkpoint re-signed with another key, even with the original key id
 * copied in, does not verify against the installation's public key. */
static void test_other_key(void **state)
{
	char path[256], err[256];
	lf_audit_key key, other;
	lf_checkpoint c = sample();
	load_known_key(*state, &key);
	snprintf(path, sizeof(path), "%s/other.key", (char *)*state);
	assert_int_equal(lf_audit_key_load(path, 1, &other, err, sizeof(err)), LF_OK);
	assert_int_equal(lf_checkpoint_sign(&c, &other), LF_OK);
	expect_refused(c, key.pk, "signed by key");
	memcpy(c.key_id, key.key_id, sizeof(c.key_id));
	expect_refused(c, key.pk, "signature does not verify");
	sodium_memzero(&key, sizeof(key));
	sodium_memzero(&other, sizeof(other));
}

/* A new key file holds 64 lowercase hex digits and a newline, readable by
 * its owner only; loading it again, with or without create, gives the
 * same key; no temporary file is left behind. */
static void test_key_create_reload(void **state)
{
	char path[256], err[256], text[128];
	lf_audit_key a, b, c;
	struct stat st;
	FILE *f;
	DIR *d;
	struct dirent *e;
	int files = 0;
	snprintf(path, sizeof(path), "%s/audit.key", (char *)*state);
	assert_int_equal(lf_audit_key_load(path, 0, &a, err, sizeof(err)), LF_ERR_IO);
	assert_non_null(strstr(err, path));
	assert_int_equal(lf_audit_key_load(path, 1, &a, err, sizeof(err)), LF_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 65);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(text, sizeof(text), f));
	fclose(f);
	assert_int_equal(strspn(text, "0123456789abcdef"), 64);
	assert_string_equal(text + 64, "\n");
	assert_int_equal(lf_audit_key_load(path, 0, &b, err, sizeof(err)), LF_OK);
	assert_int_equal(lf_audit_key_load(path, 1, &c, err, sizeof(err)), LF_OK);
	assert_memory_equal(a.pk, b.pk, 32);
	assert_memory_equal(a.sk, b.sk, 64);
	assert_memory_equal(a.pk, c.pk, 32);
	assert_string_equal(a.pk_hex, b.pk_hex);
	assert_int_equal(strncmp(a.key_id, a.pk_hex, 16), 0);
	assert_int_equal(strlen(a.key_id), 16);
	d = opendir(*state);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		files += e->d_name[0] != '.';
	closedir(d);
	assert_int_equal(files, 1);
	sodium_memzero(&a, sizeof(a));
	sodium_memzero(&b, sizeof(b));
	sodium_memzero(&c, sizeof(c));
}

/* Processes starting at once with no key yet end up with one key. */
static void test_key_create_race(void **state)
{
	char path[256];
	pthread_t th[NRACERS];
	struct racer r[NRACERS];
	snprintf(path, sizeof(path), "%s/race.key", (char *)*state);
	for (int i = 0; i < NRACERS; i++) {
		r[i].path = path;
		assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
	}
	for (int i = 0; i < NRACERS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	for (int i = 0; i < NRACERS; i++) {
		assert_int_equal(r[i].ret, LF_OK);
		assert_memory_equal(r[i].key.pk, r[0].key.pk, 32);
	}
	sodium_memzero(r, sizeof(r));
}

/* Anything but 64 hex digits and an optional newline is refused, and
 * create does not overwrite a damaged key. */
static void test_key_bad_files(void **state)
{
	static const char *const bad[] = {
	    "",
	    "\n",
	    "not a key\n",
	    SEED_HEX "\n\n",
	    SEED_HEX "0\n",
	    SEED_HEX " ",
	    "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2\n",
	    "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2g\n",
	    " 0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
	};
	char path[256], err[256] = "", text[128];
	lf_audit_key key;
	FILE *f;
	snprintf(path, sizeof(path), "%s/bad.key", (char *)*state);
	for (size_t i = 0; i < LF_ARRAY_LEN(bad); i++) {
		write_file(path, bad[i]);
		assert_int_equal(lf_audit_key_load(path, 1, &key, err, sizeof(err)),
				 LF_ERR_INVALID);
		assert_non_null(strstr(err, "not 64 hex digits"));
		f = fopen(path, "r");
		assert_non_null(f);
		text[0] = '\0';
		if (fgets(text, sizeof(text), f) == NULL)
			text[0] = '\0';
		fclose(f);
		assert_int_equal(strncmp(text, bad[i], strlen(text)), 0);
	}
	write_file(path, SEED_HEX);
	assert_int_equal(lf_audit_key_load(path, 0, &key, err, sizeof(err)), LF_OK);
	assert_string_equal(key.pk_hex, PK_HEX);
	sodium_memzero(&key, sizeof(key));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_message),
	    cmocka_unit_test(test_message_limits),
	    cmocka_unit_test_setup_teardown(test_sign_known_answer, setup_dir, teardown_dir),
	    cmocka_unit_test_setup_teardown(test_tamper_each_field, setup_dir, teardown_dir),
	    cmocka_unit_test_setup_teardown(test_other_key, setup_dir, teardown_dir),
	    cmocka_unit_test_setup_teardown(test_key_create_reload, setup_dir, teardown_dir),
	    cmocka_unit_test_setup_teardown(test_key_create_race, setup_dir, teardown_dir),
	    cmocka_unit_test_setup_teardown(test_key_bad_files, setup_dir, teardown_dir),
	};
	if (sodium_init() < 0)
		return 1;
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
