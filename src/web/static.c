/*
 * static.c - the UI folder: path checks, file lookup, conditional
 * requests and streamed file responses.
 *
 * Files are read from disk on every request, never cached in memory, so a
 * rebuild of the UI is served without a restart and a large file costs a
 * 64 KiB buffer, not its size.
 */
#include "web/web.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

struct lf_web {
	char *root; /* realpath of the folder, no trailing slash */
	size_t root_len;
};

typedef struct file_body {
	int fd;
} file_body;

static const struct {
	const char *ext;
	const char *type;
} types[] = {
    {"html", "text/html; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"ico", "image/x-icon"},
    {"woff2", "font/woff2"},
    {"woff", "font/woff"},
    {"ttf", "font/ttf"},
    {"json", "application/json"},
    {"map", "application/json"},
    {"txt", "text/plain; charset=utf-8"},
    {"wasm", "application/wasm"},
};

static const char *const reserved[] = {"/api", "/healthz", "/readyz", "/metrics"};

static const char *extension(const char *name);
static int is_versioned_vendor(const char *path);
static int inside_root(const lf_web *w, const char *real);
static int lookup(const lf_web *w, lf_http_req *req, const char *path, int *fd, struct stat *st);
static int is_static_asset(const char *path);
static const char *make_etag(lf_http_req *req, const struct stat *st);
static int send_file(lf_http_req *req, const char *path, int fd, const struct stat *st);
static int not_found(lf_http_req *req);
static ssize_t file_read(void *ud, uint64_t pos, char *buf, size_t max);
static void file_free(void *ud);

int lf_web_open(const char *dir, lf_web **out, char *err, size_t errlen)
{
	int ret = LF_ERR_IO;
	lf_web *w = NULL;
	char *index = NULL;
	struct stat st;
	*out = NULL;
	char *real = realpath(dir, NULL);
	if (real == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			return LF_OK;
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return LF_ERR_IO;
	}
	if (asprintf(&index, "%s/index.html", real) < 0) {
		ret = LF_ERR_NOMEM;
		goto cleanup;
	}
	if (stat(index, &st) != 0 || !S_ISREG(st.st_mode)) {
		ret = LF_OK;
		goto cleanup;
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		ret = LF_ERR_NOMEM;
		goto cleanup;
	}
	w->root = real;
	w->root_len = strlen(real);
	/* "/" as the folder would make every path "inside" it. */
	if (w->root_len == 1) {
		snprintf(err, errlen, "%s: refusing to serve the file system root", dir);
		ret = LF_ERR_INVALID;
		goto cleanup;
	}
	real = NULL;
	*out = w;
	w = NULL;
	ret = LF_OK;
cleanup:
	lf_web_close(w);
	free(real);
	free(index);
	return ret;
}

void lf_web_close(lf_web *w)
{
	if (w == NULL)
		return;
	free(w->root);
	free(w);
}

const char *lf_web_root(const lf_web *w)
{
	return w->root;
}

static const char *extension(const char *name)
{
	const char *slash = strrchr(name, '/');
	const char *base = slash != NULL ? slash + 1 : name;
	const char *dot = strrchr(base, '.');
	return dot != NULL && dot != base ? dot + 1 : NULL;
}

const char *lf_web_content_type(const char *name)
{
	const char *ext = extension(name);
	if (ext != NULL)
		for (size_t i = 0; i < LF_ARRAY_LEN(types); i++)
			if (strcasecmp(ext, types[i].ext) == 0)
				return types[i].type;
	return "application/octet-stream";
}

int lf_web_path_safe(const char *path)
{
	if (path[0] != '/')
		return 0;
	/* A '%' left after decoding is an encoded NUL (kept encoded by the
	 * server) or a literal percent sign, which no build output uses. */
	for (const char *p = path; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '\\' || *p == '%')
			return 0;
	const char *seg = path + 1;
	while (*seg != '\0') {
		const char *end = strchr(seg, '/');
		size_t len = end != NULL ? (size_t)(end - seg) : strlen(seg);
		/* A leading dot covers ".", ".." and hidden files alike. */
		if (seg[0] == '.')
			return 0;
		if (len == 0)
			return 0;
		if (end == NULL)
			break;
		seg = end + 1;
	}
	return 1;
}

int lf_web_path_reserved(const char *path)
{
	for (size_t i = 0; i < LF_ARRAY_LEN(reserved); i++) {
		size_t n = strlen(reserved[i]);
		if (strncmp(path, reserved[i], n) == 0 && (path[n] == '\0' || path[n] == '/'))
			return 1;
	}
	return 0;
}

/* "/vendor/<name>-<version>/...": a vendored library whose version, say
 * label-studio-1.4.0, is in the path. */
static int is_versioned_vendor(const char *path)
{
	if (strncmp(path, "/vendor/", 8) != 0)
		return 0;
	const char *seg = path + 8;
	const char *end = strchr(seg, '/');
	if (end == NULL)
		return 0;
	const char *dash = memrchr(seg, '-', (size_t)(end - seg));
	if (dash == NULL || dash + 1 == end || dash[1] < '0' || dash[1] > '9')
		return 0;
	int dots = 0;
	for (const char *p = dash + 1; p < end; p++) {
		if (*p == '.' && p[-1] != '.' && p + 1 < end)
			dots++;
		else if (*p < '0' || *p > '9')
			return 0;
	}
	return dots >= 1;
}

const char *lf_web_cache_control(const char *path)
{
	/* Vite names these by content hash and vendored files carry their
	 * version: a changed file is a new URL. */
	if (strncmp(path, "/assets/", 8) == 0 || is_versioned_vendor(path))
		return "public, max-age=31536000, immutable";
	return "no-cache";
}

/* A missing file with an asset's extension is a broken link, not a client
 * route: answering index.html would only hide the error. */
static int is_static_asset(const char *path)
{
	const char *type = lf_web_content_type(path);
	return strncmp(path, "/assets/", 8) == 0 ||
	       (strcmp(type, "application/octet-stream") != 0 &&
		strncmp(type, "text/html", 9) != 0);
}

static int inside_root(const lf_web *w, const char *real)
{
	return strncmp(real, w->root, w->root_len) == 0 &&
	       (real[w->root_len] == '/' || real[w->root_len] == '\0');
}

/*
 * Opens the regular file path names under the root. Returns LF_OK with *fd
 * open, LF_ERR_NOTFOUND when nothing (or a directory) is there, and
 * LF_ERR_FORBIDDEN when a symlink leads outside the root.
 */
static int lookup(const lf_web *w, lf_http_req *req, const char *path, int *fd, struct stat *st)
{
	int ret = LF_ERR_NOTFOUND;
	char *full = lf_arena_printf(req->arena, "%s%s", w->root, path);
	if (full == NULL)
		return LF_ERR_NOMEM;
	char *real = realpath(full, NULL);
	*fd = -1;
	if (real == NULL)
		return errno == ENOMEM ? LF_ERR_NOMEM : LF_ERR_NOTFOUND;
	if (!inside_root(w, real)) {
		ret = LF_ERR_FORBIDDEN;
		goto cleanup;
	}
	/* O_NOFOLLOW: real has no symlink left; one appearing since is refused. */
	*fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (*fd < 0)
		goto cleanup;
	if (fstat(*fd, st) != 0 || !S_ISREG(st->st_mode)) {
		close(*fd);
		*fd = -1;
		goto cleanup;
	}
	ret = LF_OK;
cleanup:
	free(real);
	return ret;
}

/* Size, modification time and inode: changes whenever the file does, and
 * costs no read of its content. */
static const char *make_etag(lf_http_req *req, const struct stat *st)
{
	return lf_arena_printf(req->arena, "\"%llx-%llx-%lx\"", (unsigned long long)st->st_size,
			       (unsigned long long)st->st_mtim.tv_sec * 1000000000ull +
				   (unsigned long long)st->st_mtim.tv_nsec,
			       (unsigned long)st->st_ino);
}

int lf_web_etag_matches(const char *header, const char *etag)
{
	size_t elen = strlen(etag);
	const char *p = header;
	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return 1;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (strncmp(p, etag, elen) == 0 &&
		    (p[elen] == '\0' || p[elen] == ',' || p[elen] == ' ' || p[elen] == '\t'))
			return 1;
		while (*p != '\0' && *p != ',')
			p++;
	}
	return 0;
}

static ssize_t file_read(void *ud, uint64_t pos, char *buf, size_t max)
{
	file_body *b = ud;
	ssize_t n = pread(b->fd, buf, max, (off_t)pos);
	return n > 0 ? n : -1;
}

static void file_free(void *ud)
{
	file_body *b = ud;
	close(b->fd);
	free(b);
}

/* Answers with the open file fd (owned from here on) for path. */
static int send_file(lf_http_req *req, const char *path, int fd, const struct stat *st)
{
	const char *etag = make_etag(req, st);
	const char *inm = lf_http_header(req, "If-None-Match");
	if (etag == NULL) {
		close(fd);
		return LF_ERR_NOMEM;
	}
	lf_http_add_header(req, "ETag", etag);
	lf_http_add_header(req, "Cache-Control", lf_web_cache_control(path));
	lf_http_add_header(req, "Content-Security-Policy", LF_WEB_CSP);
	if (inm != NULL && lf_web_etag_matches(inm, etag)) {
		close(fd);
		return lf_http_empty(req, 304);
	}
	file_body *b = malloc(sizeof(*b));
	if (b == NULL) {
		close(fd);
		return LF_ERR_NOMEM;
	}
	b->fd = fd;
	return lf_http_stream_body(req, 200, lf_web_content_type(path), (uint64_t)st->st_size,
				   file_read, file_free, b);
}

static int not_found(lf_http_req *req)
{
	return lf_http_fail(req, LF_ERR_NOTFOUND, "not_found", "No such endpoint: %s", req->path);
}

int lf_web_serve(const lf_web *w, lf_http_req *req)
{
	const char *path = req->path;
	struct stat st;
	int fd = -1;
	if (!lf_web_path_safe(path) || lf_web_path_reserved(path))
		return not_found(req);
	if (strcmp(path, "/") != 0) {
		int ret = lookup(w, req, path, &fd, &st);
		if (ret == LF_OK)
			return send_file(req, path, fd, &st);
		if (ret != LF_ERR_NOTFOUND || is_static_asset(path))
			return ret == LF_ERR_NOMEM ? ret : not_found(req);
	}
	/* A client-side route: the app reads the location and renders it. */
	int ret = lookup(w, req, "/index.html", &fd, &st);
	if (ret != LF_OK)
		return ret == LF_ERR_NOMEM ? ret : not_found(req);
	return send_file(req, "/index.html", fd, &st);
}
