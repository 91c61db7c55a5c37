/*
 * test_blob.c - blob storage on local disk: atomic commit, abort, key
 * validation (no path traversal), large and concurrent writes, reads with
 * seek, size and delete.
 */
#include "blob/blob.h"
#include "blob/pool.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fixture.h"
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NTHREADS 8

struct fixture {
	char dir[64];
	lf_blob_store *bs;
};

struct writer_job {
	lf_blob_store *bs;
	int id;
	int ret;
};

static int setup(void **state);
static int teardown(void **state);
static int count_files(const char *path);
static void put(lf_blob_store *bs, const char *key, const void *data, size_t len);
static char *get(lf_blob_store *bs, const char *key, size_t *len);
static unsigned char pattern(uint64_t i);
static void *write_job(void *arg);

/* Regular files below path, at any depth: temporary files included. */
static int count_files(const char *path)
{
	DIR *d = opendir(path);
	int n = 0;
	if (d == NULL)
		return 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char sub[1024];
		struct stat st;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			n += count_files(sub);
		else
			n++;
	}
	closedir(d);
	return n;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char url[128], err[256];
	strcpy(f->dir, "/tmp/lf_blob_XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	/* A folder that does not exist yet: open must create it. */
	snprintf(url, sizeof(url), "file:%s/store/blobs", f->dir);
	if (lf_blob_open(url, &f->bs, err, sizeof(err)) != LF_OK)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	lf_blob_close(f->bs);
	lf_fx_rm_dir(f->dir);
	free(f);
	return 0;
}

static void put(lf_blob_store *bs, const char *key, const void *data, size_t len)
{
	lf_blob_writer *w = NULL;
	assert_int_equal(lf_blob_create(bs, key, &w), LF_OK);
	assert_int_equal(lf_blob_write(w, data, len), LF_OK);
	assert_int_equal(lf_blob_commit(w), LF_OK);
}

static char *get(lf_blob_store *bs, const char *key, size_t *len)
{
	lf_blob_reader *r = NULL;
	assert_int_equal(lf_blob_open_read(bs, key, &r), LF_OK);
	size_t cap = 1024, n = 0, k;
	char *buf = malloc(cap);
	for (;;) {
		if (n == cap)
			buf = realloc(buf, cap *= 2);
		assert_int_equal(lf_blob_read(r, buf + n, cap - n, &k), LF_OK);
		if (k == 0)
			break;
		n += k;
	}
	lf_blob_close_read(r);
	*len = n;
	return buf;
}

static unsigned char pattern(uint64_t i)
{
	return (unsigned char)((i * 2654435761u) >> 13);
}

static void test_key_valid(void **state)
{
	static const char *const good[] = {
	    "a", "imports/12/upload.csv", "x.y-z_1/..a/b..", "A/B/C/D/e.tar.gz", "...", ".hidden"};
	static const char *const bad[] = {
	    "",	     "../x", "/etc/passwd", "a/../../b", "a//b", "a/",	     ".",   "..",
	    "a/./b", "a\\b", "a b",	    "a/b~tmp",	 "é",	 "a/b/../c", "x\n", "a:b"};
	char longkey[LF_BLOB_KEY_MAX + 2];
	for (size_t i = 0; i < LF_ARRAY_LEN(good); i++)
		assert_true(lf_blob_key_valid(good[i]));
	for (size_t i = 0; i < LF_ARRAY_LEN(bad); i++)
		assert_false(lf_blob_key_valid(bad[i]));
	assert_false(lf_blob_key_valid(NULL));
	memset(longkey, 'k', sizeof(longkey));
	longkey[LF_BLOB_KEY_MAX] = '\0';
	assert_true(lf_blob_key_valid(longkey));
	longkey[LF_BLOB_KEY_MAX] = 'k';
	longkey[LF_BLOB_KEY_MAX + 1] = '\0';
	assert_false(lf_blob_key_valid(longkey));
}

static void test_traversal_refused(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {"../x", "/etc/passwd", "a/../../b", "a//b", ""};
	for (size_t i = 0; i < LF_ARRAY_LEN(bad); i++) {
		lf_blob_writer *w = NULL;
		lf_blob_reader *r = NULL;
		uint64_t size;
		assert_int_equal(lf_blob_create(f->bs, bad[i], &w), LF_ERR_INVALID);
		assert_null(w);
		assert_int_equal(lf_blob_open_read(f->bs, bad[i], &r), LF_ERR_INVALID);
		assert_int_equal(lf_blob_size(f->bs, bad[i], &size), LF_ERR_INVALID);
		assert_int_equal(lf_blob_delete(f->bs, bad[i]), LF_ERR_INVALID);
	}
	char path[128];
	snprintf(path, sizeof(path), "%s/x", f->dir);
	assert_int_equal(access(path, F_OK), -1);
}

/* A pool (bucket sources, export targets) opens object stores only: a
 * local path named by an admin would expose the server's disk. */
static void test_pool_refuses_local(void **state)
{
	static const char *const bad[] = {
	    "file:/etc", "file:///etc", "/var/lib", "../blobs",	     "http://x/y",
	    "s3://",	 "gs:///b",	"azure://", "S3://bucket/p", ""};
	static const char *const good[] = {"s3://bucket", "s3://bucket/prefix/", "gs://b/p",
					   "azure://acct/container/p"};
	lf_blob_pool *p = NULL;
	lf_blob_store *bs = NULL;
	char err[256];
	(void)state;
	for (size_t i = 0; i < LF_ARRAY_LEN(bad); i++)
		assert_int_equal(lf_blob_pool_url_check(bad[i], err, sizeof(err)), LF_ERR_INVALID);
	assert_non_null(strstr(err, "file: URLs are refused"));
	assert_int_equal(lf_blob_pool_url_check(NULL, err, sizeof(err)), LF_ERR_INVALID);
	for (size_t i = 0; i < LF_ARRAY_LEN(good); i++)
		assert_int_equal(lf_blob_pool_url_check(good[i], err, sizeof(err)), LF_OK);
	assert_int_equal(lf_blob_pool_new(NULL, &p), LF_OK);
	assert_int_equal(lf_blob_pool_get(p, "file:/tmp", &bs, err, sizeof(err)), LF_ERR_INVALID);
	assert_null(bs);
	lf_blob_pool_free(p);
}

static void test_open_urls(void **state)
{
	struct fixture *f = *state;
	lf_blob_store *bs = NULL;
	char err[256], url[128];
	/* Object stores (test_blob_adapters.c): refused without credentials. */
	assert_int_equal(lf_blob_open("s3://bucket/prefix", &bs, err, sizeof(err)), LF_ERR_AUTH);
	assert_non_null(strstr(err, "no credentials"));
	assert_int_equal(lf_blob_open("gs://b", &bs, err, sizeof(err)), LF_ERR_AUTH);
	assert_int_equal(lf_blob_open("azure://a/c", &bs, err, sizeof(err)), LF_ERR_AUTH);
	assert_int_equal(lf_blob_open("azure://c", &bs, err, sizeof(err)), LF_ERR_INVALID);
	assert_int_equal(lf_blob_open("https://c/x", &bs, err, sizeof(err)), LF_ERR_INVALID);
	assert_non_null(strstr(err, "not supported yet"));
	assert_int_equal(lf_blob_open("ftp://c", &bs, err, sizeof(err)), LF_ERR_INVALID);
	assert_int_equal(lf_blob_open("file:", &bs, err, sizeof(err)), LF_ERR_INVALID);
	assert_null(bs);

	/* A bare path names the same folder as file:. */
	put(f->bs, "shared/one.txt", "hello", 5);
	snprintf(url, sizeof(url), "%s/store/blobs/", f->dir);
	assert_int_equal(lf_blob_open(url, &bs, err, sizeof(err)), LF_OK);
	size_t n;
	char *got = get(bs, "shared/one.txt", &n);
	assert_int_equal(n, 5);
	assert_memory_equal(got, "hello", 5);
	free(got);
	lf_blob_close(bs);

	/* A file where the folder should be cannot be a store. */
	snprintf(url, sizeof(url), "file:%s/store/blobs/shared/one.txt", f->dir);
	assert_int_equal(lf_blob_open(url, &bs, err, sizeof(err)), LF_ERR_IO);
}

static void test_commit_read_back(void **state)
{
	struct fixture *f = *state;
	lf_blob_writer *w = NULL;
	uint64_t size = 0;
	assert_int_equal(lf_blob_create(f->bs, "imports/12/upload.csv", &w), LF_OK);
	assert_int_equal(lf_blob_write(w, "a,b\n", 4), LF_OK);
	assert_int_equal(lf_blob_write(w, "", 0), LF_OK);
	assert_int_equal(lf_blob_write(w, "1,2\n", 4), LF_OK);
	/* Not visible before the commit. */
	assert_int_equal(lf_blob_size(f->bs, "imports/12/upload.csv", &size), LF_ERR_NOTFOUND);
	assert_int_equal(lf_blob_commit(w), LF_OK);
	assert_int_equal(lf_blob_size(f->bs, "imports/12/upload.csv", &size), LF_OK);
	assert_int_equal(size, 8);
	size_t n;
	char *got = get(f->bs, "imports/12/upload.csv", &n);
	assert_int_equal(n, 8);
	assert_memory_equal(got, "a,b\n1,2\n", 8);
	free(got);

	/* Replacing is atomic and leaves one file. */
	put(f->bs, "imports/12/upload.csv", "new", 3);
	got = get(f->bs, "imports/12/upload.csv", &n);
	assert_int_equal(n, 3);
	assert_memory_equal(got, "new", 3);
	free(got);
	char path[128];
	snprintf(path, sizeof(path), "%s/store/blobs", f->dir);
	assert_int_equal(count_files(path), 1);

	struct stat st;
	snprintf(path, sizeof(path), "%s/store/blobs/imports/12", f->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
}

static void test_abort_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	lf_blob_writer *w = NULL;
	char path[128];
	uint64_t size;
	snprintf(path, sizeof(path), "%s/store/blobs", f->dir);
	assert_int_equal(lf_blob_create(f->bs, "tmp/partial.bin", &w), LF_OK);
	assert_int_equal(lf_blob_write(w, "partial", 7), LF_OK);
	assert_int_equal(count_files(path), 1); /* the temporary file */
	lf_blob_abort(w);
	assert_int_equal(count_files(path), 0);
	assert_int_equal(lf_blob_size(f->bs, "tmp/partial.bin", &size), LF_ERR_NOTFOUND);
	lf_blob_abort(NULL);

	/* Aborting a replacement keeps the old blob. */
	put(f->bs, "keep.txt", "old", 3);
	assert_int_equal(lf_blob_create(f->bs, "keep.txt", &w), LF_OK);
	assert_int_equal(lf_blob_write(w, "newer", 5), LF_OK);
	lf_blob_abort(w);
	size_t n;
	char *got = get(f->bs, "keep.txt", &n);
	assert_int_equal(n, 3);
	assert_memory_equal(got, "old", 3);
	free(got);
	assert_int_equal(count_files(path), 1);
}

static void test_large_chunked_and_seek(void **state)
{
	struct fixture *f = *state;
	const uint64_t total = 9 * 1024 * 1024 + 77;
	lf_blob_writer *w = NULL;
	unsigned char buf[70000];
	uint64_t off = 0;
	assert_int_equal(lf_blob_create(f->bs, "big/data.bin", &w), LF_OK);
	for (size_t piece = 1; off < total; piece = piece * 3 % 65521 + 1) {
		size_t len = piece < total - off ? piece : (size_t)(total - off);
		for (size_t i = 0; i < len; i++)
			buf[i] = pattern(off + i);
		assert_int_equal(lf_blob_write(w, buf, len), LF_OK);
		off += len;
	}
	assert_int_equal(lf_blob_commit(w), LF_OK);

	lf_blob_reader *r = NULL;
	uint64_t size = 0;
	assert_int_equal(lf_blob_open_read(f->bs, "big/data.bin", &r), LF_OK);
	assert_int_equal(lf_blob_reader_size(r, &size), LF_OK);
	assert_int_equal(size, total);
	assert_true(lf_blob_reader_fd(r) >= 0);
	off = 0;
	for (;;) {
		size_t n;
		assert_int_equal(lf_blob_read(r, buf, 4093, &n), LF_OK);
		if (n == 0)
			break;
		for (size_t i = 0; i < n; i++)
			if (buf[i] != pattern(off + i))
				fail_msg("byte %llu differs", (unsigned long long)(off + i));
		off += n;
	}
	assert_int_equal(off, total);

	static const uint64_t at[] = {0, 1, 4096, 5 * 1024 * 1024 + 3, 9 * 1024 * 1024 + 70};
	for (size_t k = 0; k < LF_ARRAY_LEN(at); k++) {
		size_t n;
		assert_int_equal(lf_blob_seek(r, at[k]), LF_OK);
		assert_int_equal(lf_blob_read(r, buf, 7, &n), LF_OK);
		assert_int_equal(n, 7);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(buf[i], pattern(at[k] + i));
	}
	size_t n = 99;
	assert_int_equal(lf_blob_seek(r, total + 10), LF_OK);
	assert_int_equal(lf_blob_read(r, buf, 10, &n), LF_OK);
	assert_int_equal(n, 0);
	lf_blob_close_read(r);
	lf_blob_close_read(NULL);
}

static void test_delete_size_notfound(void **state)
{
	struct fixture *f = *state;
	lf_blob_reader *r = NULL;
	lf_blob_writer *w = NULL;
	uint64_t size = 0;
	put(f->bs, "media/7/a.jpg", "\xff\xd8\xff", 3);
	assert_int_equal(lf_blob_size(f->bs, "media/7/a.jpg", &size), LF_OK);
	assert_int_equal(size, 3);
	assert_int_equal(lf_blob_delete(f->bs, "media/7/a.jpg"), LF_OK);
	assert_int_equal(lf_blob_delete(f->bs, "media/7/a.jpg"), LF_ERR_NOTFOUND);
	assert_int_equal(lf_blob_size(f->bs, "media/7/a.jpg", &size), LF_ERR_NOTFOUND);
	assert_int_equal(lf_blob_open_read(f->bs, "media/7/a.jpg", &r), LF_ERR_NOTFOUND);
	assert_int_equal(lf_blob_open_read(f->bs, "never/was", &r), LF_ERR_NOTFOUND);
	assert_null(r);

	/* A folder of blobs is not a blob, and a blob is not a folder. */
	put(f->bs, "media/7/b.jpg", "x", 1);
	assert_int_equal(lf_blob_open_read(f->bs, "media/7", &r), LF_ERR_NOTFOUND);
	assert_int_equal(lf_blob_size(f->bs, "media", &size), LF_ERR_NOTFOUND);
	assert_int_equal(lf_blob_delete(f->bs, "media"), LF_ERR_NOTFOUND);
	assert_int_equal(lf_blob_create(f->bs, "media/7/b.jpg/c", &w), LF_ERR_CONFLICT);
	assert_int_equal(lf_blob_create(f->bs, "media/7", &w), LF_OK);
	assert_int_equal(lf_blob_write(w, "y", 1), LF_OK);
	assert_int_equal(lf_blob_commit(w), LF_ERR_CONFLICT);
	char path[128];
	snprintf(path, sizeof(path), "%s/store/blobs", f->dir);
	assert_int_equal(count_files(path), 1);
}

static void *write_job(void *arg)
{
	struct writer_job *j = arg;
	char key[64];
	unsigned char buf[4096];
	lf_blob_writer *w = NULL;
	snprintf(key, sizeof(key), "jobs/%d/out.bin", j->id);
	j->ret = lf_blob_create(j->bs, key, &w);
	for (int k = 0; j->ret == LF_OK && k < 64; k++) {
		memset(buf, j->id + k, sizeof(buf));
		j->ret = lf_blob_write(w, buf, sizeof(buf));
	}
	if (j->ret == LF_OK)
		j->ret = lf_blob_commit(w);
	else
		lf_blob_abort(w);
	return NULL;
}

static void test_concurrent_writers(void **state)
{
	struct fixture *f = *state;
	pthread_t th[NTHREADS];
	struct writer_job jobs[NTHREADS];
	for (int i = 0; i < NTHREADS; i++) {
		jobs[i] = (struct writer_job){f->bs, i, -99};
		assert_int_equal(pthread_create(&th[i], NULL, write_job, &jobs[i]), 0);
	}
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(jobs[i].ret, LF_OK);
	}
	for (int i = 0; i < NTHREADS; i++) {
		char key[64];
		size_t n;
		snprintf(key, sizeof(key), "jobs/%d/out.bin", i);
		unsigned char *got = (unsigned char *)get(f->bs, key, &n);
		assert_int_equal(n, 64 * 4096);
		for (size_t b = 0; b < n; b++)
			if (got[b] != (unsigned char)(i + b / 4096))
				fail_msg("blob %d byte %zu differs", i, b);
		free(got);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_key_valid),
	    cmocka_unit_test(test_pool_refuses_local),
	    cmocka_unit_test_setup_teardown(test_traversal_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_open_urls, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_commit_read_back, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_abort_leaves_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_large_chunked_and_seek, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_delete_size_notfound, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_concurrent_writers, setup, teardown),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
