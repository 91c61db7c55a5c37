/*
 * test_blob_adapters.c - one suite run against every blob adapter: local
 * disk, S3 (s3rver), GCS's S3 protocol (s3rver again: the real service is
 * out of reach of the tests) and Azure Blob (azurite). Streaming put and
 * get, ranges, an upload over the part size (S3 multipart, Azure blocks),
 * an aborted one, listing with pagination, delete, presigned / SAS URLs
 * fetched by a plain HTTP client, and refused credentials.
 *
 * The emulators come from tests/storage/node_modules (scripts/install-deps
 * installs them; LABELFLOW_STORAGE_BIN names another folder of them). The
 * suite starts them on free loopback ports with their data in a temporary
 * folder and stops them at the end; without them, their tests are skipped.
 */
#include "blob/adapter.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "fixture.h"
#include <curl/curl.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The emulators' well-known development credentials. */
#define S3RVER_KEY   "S3RVER"
#define AZURITE_ACCT "devstoreaccount1"
#define AZURITE_KEY                                                                                \
	"Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
/* s3rver takes parts of any size; S3 itself wants 5 MiB but the last. */
#define PART (1u << 20)
#define BIG  (3 * PART + 12345)

/* From 1: a test's state NULL means "none" to cmocka. The group sets no
 * state, or cmocka would hand it to every test instead of theirs. */
enum backend { LOCAL = 1, S3, GCS, AZURE, NBACKENDS };

struct emulator {
	pid_t pid;
	int port;
};

struct world {
	char dir[64];
	char bin[PATH_MAX];
	struct emulator s3, azure;
};

struct ctx {
	enum backend b;
	char url[256];
	char endpoint[128];
	lf_blob_opts opts;
	lf_blob_store *bs;
};

static struct world world;

static int free_port(void);
static int wait_port(int port, int seconds);
static int start(struct emulator *e, const char *name, char *const argv[]);
static void stop(struct emulator *e);
static int group_setup(void **state);
static int group_teardown(void **state);
static int open_backend(struct ctx *c, enum backend b);
static int setup(void **state);
static int teardown(void **state);
static unsigned char pattern(uint64_t i);
static void put_pattern(lf_blob_store *bs, const char *key, uint64_t len, size_t chunk);
static void put(lf_blob_store *bs, const char *key, const char *text);
static void check_pattern(lf_blob_store *bs, const char *key, uint64_t len);
static size_t collect(char *p, size_t size, size_t n, void *ud);
static long http_get(const char *url, char *body, size_t cap);
static long http_content_type(const char *url, char *type, size_t cap);
static int list_cb(void *ctx, const char *key, uint64_t size, const char *etag);

/* A port the kernel just handed out: free unless taken in the instant
 * between here and the emulator's bind. */
static int free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static int wait_port(int port, int seconds)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	for (int i = 0; i < seconds * 20; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		int ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
		close(fd);
		if (ok)
			return 0;
		usleep(50000);
	}
	return -1;
}

/* Starts world.bin/name in its own folder of world.dir, output to a log
 * there (printed when it does not start listening). */
static int start(struct emulator *e, const char *name, char *const argv[])
{
	char path[PATH_MAX + 64], dir[128], log[160];
	snprintf(path, sizeof(path), "%s/%s", world.bin, name);
	snprintf(dir, sizeof(dir), "%s/%s", world.dir, name);
	snprintf(log, sizeof(log), "%s/%s.log", world.dir, name);
	if (world.bin[0] == '\0' || access(path, X_OK) != 0 || mkdir(dir, 0700) != 0)
		return -1;
	e->pid = fork();
	if (e->pid == 0) {
		/* A test that crashes (a sanitizer's abort) takes it along. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || chdir(dir) != 0)
			_exit(127);
		dup2(fd, 1);
		dup2(fd, 2);
		/* s3rver's continuation tokens use DES, which Node 17+ keeps
		 * in OpenSSL's legacy provider. */
		setenv("NODE_OPTIONS", "--openssl-legacy-provider", 1);
		execv(path, argv);
		_exit(127);
	}
	if (e->pid < 0 || wait_port(e->port, 30) != 0) {
		char line[512];
		FILE *f = fopen(log, "r");
		fprintf(stderr, "# %s did not start; its output:\n", name);
		while (f != NULL && fgets(line, sizeof(line), f) != NULL)
			fprintf(stderr, "#   %s", line);
		if (f != NULL)
			fclose(f);
		stop(e);
		return -1;
	}
	return 0;
}

static void stop(struct emulator *e)
{
	if (e->pid <= 0)
		return;
	kill(e->pid, SIGTERM);
	for (int i = 0; i < 100 && waitpid(e->pid, NULL, WNOHANG) == 0; i++)
		usleep(50000);
	if (waitpid(e->pid, NULL, WNOHANG) == 0) {
		kill(e->pid, SIGKILL);
		waitpid(e->pid, NULL, 0);
	}
	e->pid = 0;
}

static int group_setup(void **state)
{
	const char *bin = getenv("LABELFLOW_STORAGE_BIN");
	/* Absolute: the emulators start in folders of their own. */
	if (realpath(bin ? bin : "tests/storage/node_modules/.bin", world.bin) == NULL)
		world.bin[0] = '\0';
	snprintf(world.dir, sizeof(world.dir), "/tmp/lf-blob-adapters.XXXXXX");
	if (mkdtemp(world.dir) == NULL)
		return -1;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	char sport[16], aport[16], s3dir[128], azdir[128];
	world.s3.port = free_port();
	snprintf(sport, sizeof(sport), "%d", world.s3.port);
	snprintf(s3dir, sizeof(s3dir), "%s/s3rver", world.dir);
	char *s3argv[] = {
	    "s3rver", "-d", s3dir, "-a", "127.0.0.1", "-p", sport, "--silent", "--no-vhost-buckets",
	    NULL};
	if (start(&world.s3, "s3rver", s3argv) != 0)
		world.s3.port = 0;
	world.azure.port = free_port();
	snprintf(aport, sizeof(aport), "%d", world.azure.port);
	snprintf(azdir, sizeof(azdir), "%s/azurite-blob", world.dir);
	char *azargv[] = {"azurite-blob",
			  "--blobHost",
			  "127.0.0.1",
			  "--blobPort",
			  aport,
			  "--location",
			  azdir,
			  "--silent",
			  "--skipApiVersionCheck",
			  "--disableTelemetry",
			  NULL};
	if (start(&world.azure, "azurite-blob", azargv) != 0)
		world.azure.port = 0;
	return 0;
}

static int group_teardown(void **state)
{
	stop(&world.s3);
	stop(&world.azure);
	lf_fx_rm_dir(world.dir);
	curl_global_cleanup();
	return 0;
}

/* Opens backend b in c, or returns 1 when its emulator is missing. */
static int open_backend(struct ctx *c, enum backend b)
{
	char err[256];
	memset(c, 0, sizeof(*c));
	c->b = b;
	c->opts.part_size = PART;
	c->opts.create_bucket = true;
	switch (b) {
	case LOCAL: snprintf(c->url, sizeof(c->url), "file:%s/local", world.dir); break;
	case S3:
	case GCS:
		if (world.s3.port == 0)
			return 1;
		snprintf(c->endpoint, sizeof(c->endpoint), "http://127.0.0.1:%d", world.s3.port);
		snprintf(c->url, sizeof(c->url),
			 b == S3 ? "s3://lf-test/some/prefix" : "gs://lf-gcs-test/gprefix");
		c->opts.s3_endpoint = c->endpoint;
		c->opts.gcs_endpoint = c->endpoint;
		c->opts.s3_path_style = true;
		c->opts.s3_region = "eu-west-3";
		c->opts.aws_access_key_id = S3RVER_KEY;
		c->opts.aws_secret_access_key = S3RVER_KEY;
		break;
	case AZURE:
		if (world.azure.port == 0)
			return 1;
		snprintf(c->endpoint, sizeof(c->endpoint), "http://127.0.0.1:%d/%s",
			 world.azure.port, AZURITE_ACCT);
		snprintf(c->url, sizeof(c->url), "azure://%s/lf-test/az/prefix", AZURITE_ACCT);
		c->opts.azure_endpoint = c->endpoint;
		c->opts.azure_key = AZURITE_KEY;
		break;
	default: fail();
	}
	if (lf_blob_open_opts(c->url, &c->opts, &c->bs, err, sizeof(err)) != LF_OK)
		fail_msg("open %s: %s", c->url, err);
	return 0;
}

static int setup(void **state)
{
	static struct ctx ctxs[NBACKENDS];
	enum backend b = (enum backend)(intptr_t)*state;
	if (open_backend(&ctxs[b], b) != 0) {
		*state = NULL;
		return 0;
	}
	*state = &ctxs[b];
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;
	if (c != NULL)
		lf_blob_close(c->bs);
	return 0;
}

#define CTX()                                                                                      \
	struct ctx *c = *state;                                                                    \
	if (c == NULL)                                                                             \
		fail_msg("the emulator did not start");

static unsigned char pattern(uint64_t i)
{
	return (unsigned char)((i * 2654435761u) >> 13);
}

static void put_pattern(lf_blob_store *bs, const char *key, uint64_t len, size_t chunk)
{
	lf_blob_writer *w;
	unsigned char *buf = malloc(chunk);
	assert_int_equal(lf_blob_create(bs, key, &w), LF_OK);
	for (uint64_t off = 0; off < len;) {
		size_t k = len - off < chunk ? (size_t)(len - off) : chunk;
		for (size_t i = 0; i < k; i++)
			buf[i] = pattern(off + i);
		assert_int_equal(lf_blob_write(w, buf, k), LF_OK);
		off += k;
	}
	free(buf);
	assert_int_equal(lf_blob_commit(w), LF_OK);
}

static void put(lf_blob_store *bs, const char *key, const char *text)
{
	lf_blob_writer *w;
	assert_int_equal(lf_blob_create(bs, key, &w), LF_OK);
	assert_int_equal(lf_blob_write(w, text, strlen(text)), LF_OK);
	assert_int_equal(lf_blob_commit(w), LF_OK);
}

/* Reads in odd-sized pieces, so reads straddle the stream's buffer. */
static void check_pattern(lf_blob_store *bs, const char *key, uint64_t len)
{
	lf_blob_reader *r;
	unsigned char buf[7777];
	uint64_t size, off = 0;
	size_t n;
	assert_int_equal(lf_blob_size(bs, key, &size), LF_OK);
	assert_int_equal(size, len);
	assert_int_equal(lf_blob_open_read(bs, key, &r), LF_OK);
	assert_int_equal(lf_blob_reader_size(r, &size), LF_OK);
	assert_int_equal(size, len);
	do {
		assert_int_equal(lf_blob_read(r, buf, sizeof(buf), &n), LF_OK);
		for (size_t i = 0; i < n; i++)
			if (buf[i] != pattern(off + i))
				fail_msg("%s: byte %llu differs", key,
					 (unsigned long long)(off + i));
		off += n;
	} while (n > 0);
	assert_int_equal(off, len);
	lf_blob_close_read(r);
}

static void test_stream_put_get(void **state)
{
	CTX();
	put_pattern(c->bs, "media/a.bin", PART / 2 + 17, 4093);
	check_pattern(c->bs, "media/a.bin", PART / 2 + 17);
	put_pattern(c->bs, "media/empty", 0, 1);
	check_pattern(c->bs, "media/empty", 0);
	/* Replacing a blob replaces all of it. */
	put(c->bs, "media/a.bin", "short");
	uint64_t size;
	assert_int_equal(lf_blob_size(c->bs, "media/a.bin", &size), LF_OK);
	assert_int_equal(size, 5);
}

static void test_ranges(void **state)
{
	CTX();
	static const uint64_t offs[] = {0, 1, 65536, PART / 3 + 5, PART / 2 - 4};
	lf_blob_reader *r;
	unsigned char buf[16];
	size_t n;
	put_pattern(c->bs, "media/range.bin", PART / 2, 65536);
	assert_int_equal(lf_blob_open_read(c->bs, "media/range.bin", &r), LF_OK);
	for (size_t i = 0; i < LF_ARRAY_LEN(offs); i++) {
		assert_int_equal(lf_blob_seek(r, offs[i]), LF_OK);
		assert_int_equal(lf_blob_read(r, buf, 4, &n), LF_OK);
		assert_int_equal(n, 4);
		for (size_t k = 0; k < 4; k++)
			assert_int_equal(buf[k], pattern(offs[i] + k));
	}
	/* At the end, and past it: nothing more. */
	assert_int_equal(lf_blob_read(r, buf, sizeof(buf), &n), LF_OK);
	assert_int_equal(n, 0);
	assert_int_equal(lf_blob_seek(r, PART), LF_OK);
	assert_int_equal(lf_blob_read(r, buf, sizeof(buf), &n), LF_OK);
	assert_int_equal(n, 0);
	/* Back to the start after a read left a transfer half done. */
	assert_int_equal(lf_blob_seek(r, 10), LF_OK);
	assert_int_equal(lf_blob_read(r, buf, 1, &n), LF_OK);
	assert_int_equal(lf_blob_seek(r, 0), LF_OK);
	assert_int_equal(lf_blob_read(r, buf, 3, &n), LF_OK);
	assert_int_equal(n, 3);
	assert_int_equal(buf[2], pattern(2));
	lf_blob_close_read(r);
}

/* Over three parts and a bit: a multipart upload (S3, GCS) or blocks and
 * a block list (Azure), written in pieces that do not align with parts. */
static void test_multipart(void **state)
{
	CTX();
	put_pattern(c->bs, "media/big.bin", BIG, 300001);
	check_pattern(c->bs, "media/big.bin", BIG);
	put_pattern(c->bs, "media/exact.bin", PART, PART);
	check_pattern(c->bs, "media/exact.bin", PART);
}

static void test_abort(void **state)
{
	CTX();
	lf_blob_writer *w;
	uint64_t size;
	unsigned char *buf = calloc(1, PART + 1);
	assert_int_equal(lf_blob_create(c->bs, "media/aborted.bin", &w), LF_OK);
	assert_int_equal(lf_blob_write(w, buf, PART + 1), LF_OK);
	assert_int_equal(lf_blob_write(w, buf, PART), LF_OK);
	lf_blob_abort(w);
	free(buf);
	assert_int_equal(lf_blob_size(c->bs, "media/aborted.bin", &size), LF_ERR_NOTFOUND);
	/* A small one, never sent, leaves nothing either. */
	assert_int_equal(lf_blob_create(c->bs, "media/aborted2.bin", &w), LF_OK);
	assert_int_equal(lf_blob_write(w, "x", 1), LF_OK);
	lf_blob_abort(w);
	assert_int_equal(lf_blob_size(c->bs, "media/aborted2.bin", &size), LF_ERR_NOTFOUND);
}

struct listed {
	char keys[16][64];
	uint64_t sizes[16];
	int etags; /* how many came with an entity tag */
	int n;
};

static int list_cb(void *ctx, const char *key, uint64_t size, const char *etag)
{
	struct listed *l = ctx;
	if (l->n == 16)
		return LF_ERR_LIMIT;
	snprintf(l->keys[l->n], sizeof(l->keys[0]), "%s", key);
	l->etags += etag != NULL && etag[0] == '"';
	l->sizes[l->n++] = size;
	return LF_OK;
}

static void test_list_pages(void **state)
{
	CTX();
	static const char *const keys[] = {"ls/a",     "ls/b", "ls/c/d", "ls/c/e/f",
					   "ls/d.txt", "ls/z", "ls/zz"};
	for (size_t i = 0; i < LF_ARRAY_LEN(keys); i++)
		put(c->bs, keys[i], keys[i]);
	put(c->bs, "lsx", "outside");
	put(c->bs, "other/ls/a", "outside");
	struct listed got = {0};
	char *cursor = NULL, *next = NULL;
	int pages = 0;
	do {
		int before = got.n;
		assert_int_equal(lf_blob_list(c->bs, "ls/", cursor, 3, list_cb, &got, &next),
				 LF_OK);
		assert_true(got.n - before <= 3);
		free(cursor);
		cursor = next;
		pages++;
	} while (cursor != NULL && pages < 10);
	assert_int_equal(pages, 3);
	assert_int_equal(got.n, (int)LF_ARRAY_LEN(keys));
	/* Object stores list each object's ETag (bucket syncs compare it). */
	assert_int_equal(got.etags, c->b == LOCAL ? 0 : got.n);
	for (int i = 0; i < got.n; i++) {
		assert_string_equal(got.keys[i], keys[i]);
		assert_int_equal(got.sizes[i], strlen(keys[i]));
	}
	/* A prefix that ends inside a name; everything; a bad prefix. */
	memset(&got, 0, sizeof(got));
	assert_int_equal(lf_blob_list(c->bs, "ls/c", NULL, 10, list_cb, &got, &next), LF_OK);
	assert_null(next);
	assert_int_equal(got.n, 2);
	memset(&got, 0, sizeof(got));
	assert_int_equal(lf_blob_list(c->bs, "ls", NULL, 100, list_cb, &got, &next), LF_OK);
	assert_int_equal(got.n, 8);
	assert_string_equal(got.keys[7], "lsx");
	assert_int_equal(lf_blob_list(c->bs, "../", NULL, 10, list_cb, &got, &next),
			 LF_ERR_INVALID);
	assert_int_equal(lf_blob_list(c->bs, "", NULL, 0, list_cb, &got, &next), LF_ERR_INVALID);
	/* Byte order, '-' < '.' < '/', as S3 and Azure list; s3rver lists a
	 * folder's contents before its neighbours and is left out. */
	if (c->b == S3 || c->b == GCS)
		return;
	static const char *const order[] = {"ord/b-1", "ord/b.txt", "ord/b/c"};
	for (size_t i = LF_ARRAY_LEN(order); i-- > 0;)
		put(c->bs, order[i], "x");
	memset(&got, 0, sizeof(got));
	assert_int_equal(lf_blob_list(c->bs, "ord/", NULL, 2, list_cb, &got, &next), LF_OK);
	assert_non_null(next);
	assert_int_equal(lf_blob_list(c->bs, "ord/", next, 2, list_cb, &got, &cursor), LF_OK);
	free(next);
	assert_null(cursor);
	assert_int_equal(got.n, 3);
	for (int i = 0; i < 3; i++)
		assert_string_equal(got.keys[i], order[i]);
}

/* The first bytes of an object in one call (a bucket sync's sniff). */
static void test_read_head(void **state)
{
	CTX();
	char buf[64];
	size_t n = 99;
	put(c->bs, "head/text", "hello, world");
	put(c->bs, "head/empty", "");
	assert_int_equal(lf_blob_read_head(c->bs, "head/text", buf, 5, &n), LF_OK);
	assert_int_equal(n, 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(lf_blob_read_head(c->bs, "head/text", buf, sizeof(buf), &n), LF_OK);
	assert_int_equal(n, 12);
	assert_memory_equal(buf, "hello, world", 12);
	/* s3rver 3.7.1 answers a ranged GET of an empty object with a 206 of
	 * "Content-Length: 1" and no byte (S3 answers 416): not its case. */
	if (c->b != S3 && c->b != GCS) {
		assert_int_equal(lf_blob_read_head(c->bs, "head/empty", buf, sizeof(buf), &n),
				 LF_OK);
		assert_int_equal(n, 0);
	}
	assert_int_equal(lf_blob_read_head(c->bs, "head/none", buf, sizeof(buf), &n),
			 LF_ERR_NOTFOUND);
	assert_int_equal(lf_blob_read_head(c->bs, "../x", buf, sizeof(buf), &n), LF_ERR_INVALID);
}

static void test_delete(void **state)
{
	CTX();
	lf_blob_reader *r;
	uint64_t size;
	put(c->bs, "del/one", "1");
	assert_int_equal(lf_blob_delete(c->bs, "del/one"), LF_OK);
	assert_int_equal(lf_blob_size(c->bs, "del/one", &size), LF_ERR_NOTFOUND);
	assert_int_equal(lf_blob_open_read(c->bs, "del/one", &r), LF_ERR_NOTFOUND);
	assert_int_equal(lf_blob_delete(c->bs, "del/one"), LF_ERR_NOTFOUND);
	assert_int_equal(lf_blob_delete(c->bs, "del/../x"), LF_ERR_INVALID);
}

static size_t collect(char *p, size_t size, size_t n, void *ud)
{
	char *body = ud;
	size_t have = strlen(body), k = size * n;
	if (have + k < 4096) {
		memcpy(body + have, p, k);
		body[have + k] = '\0';
	}
	return size * n;
}

/* A GET by plain libcurl: no credentials, nothing but the URL. */
static long http_get(const char *url, char *body, size_t cap)
{
	long status = 0;
	CURL *h = curl_easy_init();
	body[0] = '\0';
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 20L);
	if (curl_easy_perform(h) == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	return status;
}

/* The Content-Type a plain GET of url is answered with. */
static long http_content_type(const char *url, char *type, size_t cap)
{
	long status = 0;
	char *ct = NULL;
	char body[4096] = "";
	CURL *h = curl_easy_init();
	type[0] = '\0';
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, (void *)body);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 20L);
	if (curl_easy_perform(h) == CURLE_OK) {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		if (curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct != NULL)
			snprintf(type, cap, "%s", ct);
	}
	curl_easy_cleanup(h);
	return status;
}

static void test_presign(void **state)
{
	CTX();
	char body[4096], *url = NULL, *expired = NULL;
	put(c->bs, "share/hello.txt", "hello, browser");
	if (c->b == LOCAL) {
		assert_int_equal(lf_blob_presign(c->bs, "share/hello.txt", 60, NULL, &url),
				 LF_ERR_INVALID);
		return;
	}
	assert_int_equal(lf_blob_presign(c->bs, "share/hello.txt", 0, NULL, &url), LF_ERR_INVALID);
	assert_int_equal(lf_blob_presign(c->bs, "share/hello.txt", 300, NULL, &url), LF_OK);
	assert_int_equal(http_get(url, body, sizeof(body)), 200);
	assert_string_equal(body, "hello, browser");
	/* The type asked for is the type served (signed into the URL). */
	char *typed = NULL, type[128];
	assert_int_equal(lf_blob_presign(c->bs, "share/hello.txt", 60, "image/png", &typed), LF_OK);
	assert_int_equal(http_content_type(typed, type, sizeof(type)), 200);
	assert_string_equal(type, "image/png");
	free(typed);
	/* One signature character changed: refused. (s3rver checks SigV4
	 * credentials and expiry but not signatures: that the signature is
	 * right is test_presign_vector's to show.) */
	if (c->b == AZURE) {
		char *sig = strstr(url, "sig=") + 4;
		*sig = *sig == 'A' ? 'B' : 'A';
		assert_int_equal(http_get(url, body, sizeof(body)), 403);
	}
	/* Expired: signed for one second, used after two. */
	assert_int_equal(lf_blob_presign(c->bs, "share/hello.txt", 1, NULL, &expired), LF_OK);
	sleep(2);
	assert_int_equal(http_get(expired, body, sizeof(body)), 403);
	free(url);
	free(expired);
}

static void test_bad_credentials(void **state)
{
	CTX();
	lf_blob_store *bs = NULL;
	char err[256];
	lf_blob_opts o = c->opts;
	/* s3rver refuses an unknown access key, but computes no SigV4
	 * signature, so it cannot tell a wrong secret; azurite can. */
	if (c->b == AZURE)
		o.azure_key = "d3Jvbmcgd3Jvbmcgd3Jvbmcgd3Jvbmcgd3Jvbmcgd3Jvbmc=";
	else
		o.aws_access_key_id = "NOT-A-KEY";
	assert_int_equal(lf_blob_open_opts(c->url, &o, &bs, err, sizeof(err)), LF_ERR_AUTH);
	assert_null(bs);
	assert_non_null(strstr(err, "refused"));
	assert_null(strstr(err, o.azure_key ? o.azure_key : "S3RVER"));
	/* No credentials at all: said so before any request. */
	o.aws_secret_access_key = NULL;
	o.azure_key = NULL;
	assert_int_equal(lf_blob_open_opts(c->url, &o, &bs, err, sizeof(err)), LF_ERR_AUTH);
	assert_non_null(strstr(err, "no credentials"));
	/* A bucket or container that is not there, not to be created. */
	char url[300];
	snprintf(url, sizeof(url), c->b == AZURE ? "azure://%s/nope" : "%.5snope",
		 c->b == AZURE ? AZURITE_ACCT : c->url);
	o = c->opts;
	o.create_bucket = false;
	assert_int_equal(lf_blob_open_opts(url, &o, &bs, err, sizeof(err)), LF_ERR_NOTFOUND);
}

/* The example of AWS's "Authenticating Requests: Using Query Parameters"
 * (examplebucket/test.txt, 2013-05-24, one day), reproduced exactly. */
static void test_presign_vector(void **state)
{
	lf_blob_opts o = {.s3_endpoint = "https://s3.amazonaws.com",
			  .aws_access_key_id = "AKIAIOSFODNN7EXAMPLE",
			  .aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
			  .no_check = true};
	lf_blob_store *bs;
	char err[256], *url;
	assert_int_equal(lf_blob_open_opts("s3://examplebucket", &o, &bs, err, sizeof(err)), LF_OK);
	assert_int_equal(lf_blob_s3_presign_at(bs, "test.txt", 86400, NULL, 1369353600, &url),
			 LF_OK);
	assert_string_equal(
	    url, "https://examplebucket.s3.amazonaws.com/test.txt"
		 "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
		 "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
		 "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
		 "&X-Amz-Signature="
		 "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
	free(url);
	lf_blob_close(bs);
}

static void test_urls(void **state)
{
	static const char *const bad[] = {
	    "s3://",	     "s3://Bucket/x", "s3://b/../x",	   "s3://b/a//b",      "s3://b/x?y",
	    "azure://acct",  "azure://acct/", "gs://b@evil.com/x", "azure://a/c/p%2f", "http://x/y",
	    "s3://b.c:80/x",
	};
	lf_blob_opts o = {.aws_access_key_id = "k",
			  .aws_secret_access_key = "s",
			  .azure_key = "a2V5",
			  .no_check = true};
	lf_blob_store *bs = NULL;
	char err[256], *url;
	for (size_t i = 0; i < LF_ARRAY_LEN(bad); i++)
		if (lf_blob_open_opts(bad[i], &o, &bs, err, sizeof(err)) != LF_ERR_INVALID)
			fail_msg("%s was accepted", bad[i]);
	assert_null(bs);
	/* GCS: its endpoint, path style, region "auto", HMAC keys first. */
	o.gcs_hmac_access_id = "GOOG1EXAMPLE";
	o.gcs_hmac_secret = "gsecret";
	assert_int_equal(lf_blob_open_opts("gs://my-bucket/pre/fix/", &o, &bs, err, sizeof(err)),
			 LF_OK);
	assert_int_equal(lf_blob_presign(bs, "a/b.png", 60, NULL, &url), LF_OK);
	assert_non_null(strstr(url, "https://storage.googleapis.com/my-bucket/pre/fix/a/b.png?"));
	assert_non_null(strstr(url, "X-Amz-Credential=GOOG1EXAMPLE%2F"));
	assert_non_null(strstr(url, "%2Fauto%2Fs3%2Faws4_request"));
	free(url);
	lf_blob_close(bs);
	/* Azure: the public endpoint from the account, a connection string
	 * whose account must be the URL's. */
	assert_int_equal(lf_blob_open_opts("azure://acct/cont/p", &o, &bs, err, sizeof(err)),
			 LF_OK);
	assert_int_equal(lf_blob_presign(bs, "k", 60, NULL, &url), LF_OK);
	assert_non_null(strstr(url, "https://acct.blob.core.windows.net/cont/p/k?sv="));
	free(url);
	lf_blob_close(bs);
	o.azure_key = NULL;
	o.azure_connection_string = "DefaultEndpointsProtocol=https;AccountName=other;"
				    "AccountKey=a2V5;EndpointSuffix=core.windows.net";
	assert_int_equal(lf_blob_open_opts("azure://acct/cont", &o, &bs, err, sizeof(err)),
			 LF_ERR_INVALID);
	o.azure_connection_string = "AccountName=acct;AccountKey=a2V5;"
				    "BlobEndpoint=http://127.0.0.1:1/acct";
	assert_int_equal(lf_blob_open_opts("azure://acct/cont", &o, &bs, err, sizeof(err)), LF_OK);
	assert_int_equal(lf_blob_presign(bs, "k", 60, NULL, &url), LF_OK);
	assert_non_null(strstr(url, "http://127.0.0.1:1/acct/cont/k?sv="));
	free(url);
	lf_blob_close(bs);
	/* Nothing listens there: a clear error at open, not at first use. */
	o.no_check = false;
	assert_int_equal(lf_blob_open_opts("azure://acct/cont", &o, &bs, err, sizeof(err)),
			 LF_ERR_IO);
	assert_non_null(strstr(err, "no answer"));
}

#define EACH(t)                                                                                    \
	cmocka_unit_test_prestate_setup_teardown(t, setup, teardown, (void *)LOCAL),               \
	    cmocka_unit_test_prestate_setup_teardown(t, setup, teardown, (void *)S3),              \
	    cmocka_unit_test_prestate_setup_teardown(t, setup, teardown, (void *)GCS),             \
	    cmocka_unit_test_prestate_setup_teardown(t, setup, teardown, (void *)AZURE)
#define EACH_REMOTE(t)                                                                             \
	cmocka_unit_test_prestate_setup_teardown(t, setup, teardown, (void *)S3),                  \
	    cmocka_unit_test_prestate_setup_teardown(t, setup, teardown, (void *)GCS),             \
	    cmocka_unit_test_prestate_setup_teardown(t, setup, teardown, (void *)AZURE)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_presign_vector),
	    cmocka_unit_test(test_urls),
	    EACH(test_stream_put_get),
	    EACH(test_ranges),
	    EACH(test_multipart),
	    EACH(test_abort),
	    EACH(test_list_pages),
	    EACH(test_read_head),
	    EACH(test_delete),
	    EACH(test_presign),
	    EACH_REMOTE(test_bad_credentials),
	};
	/* cmocka reports a skipped test as "not ok # SKIP", a failure to
	 * prove: without the emulators the whole file is skipped instead. */
	const char *bin = getenv("LABELFLOW_STORAGE_BIN");
	char s3rver[PATH_MAX + 16], azurite[PATH_MAX + 16];
	snprintf(s3rver, sizeof(s3rver), "%s/s3rver",
		 bin ? bin : "tests/storage/node_modules/.bin");
	snprintf(azurite, sizeof(azurite), "%s/azurite-blob",
		 bin ? bin : "tests/storage/node_modules/.bin");
	if (access(s3rver, X_OK) != 0 || access(azurite, X_OK) != 0) {
		printf("1..0 # SKIP s3rver and azurite are not installed (scripts/install-deps)\n");
		return 0;
	}
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
