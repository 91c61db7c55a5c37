/*
 * blob_local.c - the local-disk blob adapter: a key is a path below the
 * store's folder.
 *
 * A writer fills "<final path>~XXXXXX" in the final folder and renames it
 * into place on commit: rename is atomic within one file system, and '~'
 * cannot appear in a key, so a temporary file can never be read, listed
 * or overwritten as a blob. Folders and files are private to the server
 * (0700/0600). The adapter holds no mutable shared state, so concurrent
 * requests need no lock; racing folder creation tolerates EEXIST.
 *
 * Listing walks the folders depth first with each folder's entries sorted
 * as keys sort (a folder's name counts with its '/'), so keys come out in
 * byte order and a page stops the walk as soon as it is full; the cursor
 * is the last key of the previous page. The adapter signs no URLs.
 */
#include "blob/adapter.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct local_store {
	lf_blob_store base;
	char *root;
} local_store;

typedef struct local_writer {
	lf_blob_writer base;
	int fd;
	char *tmp;
	char *final;
} local_writer;

typedef struct local_reader {
	lf_blob_reader base;
	int fd;
	uint64_t size;
} local_reader;

struct entry {
	char *name; /* with a '/' appended for a folder */
	uint64_t size;
};

struct listing {
	const char *prefix;
	const char *cursor;
	int limit, count;
	lf_blob_list_fn fn;
	void *ctx;
	char last[LF_BLOB_KEY_MAX + 1];
	char **next;
	bool stop;
};

static char *join(const char *root, const char *key);
static int mkdirs(char *path, size_t from);
static int errno_err(int e);
static int fsync_parent(const char *path);
static void local_close(lf_blob_store *bs);
static int local_create(lf_blob_store *bs, const char *key, lf_blob_writer **out);
static int local_write(lf_blob_writer *w, const void *data, size_t len);
static int local_commit(lf_blob_writer *w);
static void local_abort(lf_blob_writer *w);
static void writer_free(local_writer *lw);
static int local_open_read(lf_blob_store *bs, const char *key, lf_blob_reader **out);
static int local_read(lf_blob_reader *r, void *buf, size_t cap, size_t *n);
static int local_seek(lf_blob_reader *r, uint64_t offset);
static int local_reader_size(lf_blob_reader *r, uint64_t *size);
static int local_reader_fd(lf_blob_reader *r);
static void local_close_read(lf_blob_reader *r);
static int local_size(lf_blob_store *bs, const char *key, uint64_t *size);
static int local_del(lf_blob_store *bs, const char *key);
static int local_list(lf_blob_store *bs, const char *prefix, const char *cursor, int limit,
		      lf_blob_list_fn fn, void *ctx, char **next_cursor);
static int entry_cmp(const void *a, const void *b);
static int read_entries(int dfd, struct entry **out, size_t *n);
static int walk(struct listing *l, int dfd, char *rel, size_t rlen);
static int may_hold(const struct listing *l, const char *key_prefix);

static const lf_blob_ops local_ops = {
    .close = local_close,
    .create = local_create,
    .write = local_write,
    .commit = local_commit,
    .abort = local_abort,
    .open_read = local_open_read,
    .read = local_read,
    .seek = local_seek,
    .reader_size = local_reader_size,
    .reader_fd = local_reader_fd,
    .close_read = local_close_read,
    .size = local_size,
    .del = local_del,
    .list = local_list,
};

static char *join(const char *root, const char *key)
{
	size_t rl = strlen(root), kl = strlen(key);
	char *p = malloc(rl + kl + 2);
	if (p == NULL)
		return NULL;
	memcpy(p, root, rl);
	p[rl] = '/';
	memcpy(p + rl + 1, key, kl + 1);
	return p;
}

/* Creates every folder of path that ends before a '/' at or after `from`. */
static int mkdirs(char *path, size_t from)
{
	for (char *p = path + from; (p = strchr(p, '/')) != NULL; p++) {
		if (p == path)
			continue;
		*p = '\0';
		int rc = mkdir(path, 0700);
		int e = errno;
		*p = '/';
		if (rc != 0 && e != EEXIST)
			return errno_err(e);
	}
	return LF_OK;
}

static int errno_err(int e)
{
	switch (e) {
	case ENOENT: return LF_ERR_NOTFOUND;
	case ENOTDIR:
	case EISDIR:
	case EEXIST:
	case ENOTEMPTY: return LF_ERR_CONFLICT;
	case ENOMEM: return LF_ERR_NOMEM;
	default: return LF_ERR_IO;
	}
}

/* A rename is durable only once the folder holding the new name is. */
static int fsync_parent(const char *path)
{
	int ret = LF_ERR_NOMEM;
	char *dir = strdup(path);
	if (dir == NULL)
		return ret;
	*strrchr(dir, '/') = '\0';
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ret = LF_ERR_IO;
	if (fd < 0)
		goto cleanup;
	if (fsync(fd) == 0)
		ret = LF_OK;
	close(fd);
cleanup:
	free(dir);
	return ret;
}

int lf_blob_local_open(const char *dir, lf_blob_store **out, char *err, size_t errlen)
{
	int ret = LF_ERR_NOMEM;
	local_store *ls = calloc(1, sizeof(*ls));
	char *path = NULL;
	if (ls == NULL)
		goto cleanup;
	ls->base.ops = &local_ops;
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	ls->root = strndup(dir, n);
	path = join(ls->root != NULL ? ls->root : "", "");
	if (ls->root == NULL || path == NULL)
		goto cleanup;
	ret = mkdirs(path, 0);
	struct stat st;
	if (ret != LF_OK || stat(ls->root, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "cannot create storage folder '%s': %s", ls->root,
			 strerror(errno));
		ret = LF_ERR_IO;
		goto cleanup;
	}
	*out = &ls->base;
	ls = NULL;
	ret = LF_OK;
cleanup:
	free(path);
	if (ls != NULL)
		local_close(&ls->base);
	return ret;
}

static void local_close(lf_blob_store *bs)
{
	local_store *ls = (local_store *)bs;
	free(ls->root);
	free(ls);
}

static void writer_free(local_writer *lw)
{
	if (lw->fd >= 0)
		close(lw->fd);
	free(lw->tmp);
	free(lw->final);
	free(lw);
}

static int local_create(lf_blob_store *bs, const char *key, lf_blob_writer **out)
{
	local_store *ls = (local_store *)bs;
	int ret = LF_ERR_NOMEM;
	local_writer *lw = calloc(1, sizeof(*lw));
	if (lw == NULL)
		return ret;
	lw->base.ops = &local_ops;
	lw->fd = -1;
	lw->final = join(ls->root, key);
	if (lw->final == NULL)
		goto cleanup;
	size_t fl = strlen(lw->final);
	lw->tmp = malloc(fl + 8);
	if (lw->tmp == NULL)
		goto cleanup;
	memcpy(lw->tmp, lw->final, fl);
	memcpy(lw->tmp + fl, "~XXXXXX", 8);
	ret = mkdirs(lw->tmp, strlen(ls->root) + 1);
	if (ret != LF_OK)
		goto cleanup;
	lw->fd = mkostemp(lw->tmp, O_CLOEXEC);
	if (lw->fd < 0) {
		ret = errno_err(errno);
		goto cleanup;
	}
	*out = &lw->base;
	lw = NULL;
	ret = LF_OK;
cleanup:
	if (lw != NULL)
		writer_free(lw);
	return ret;
}

static int local_write(lf_blob_writer *w, const void *data, size_t len)
{
	local_writer *lw = (local_writer *)w;
	const char *p = data;
	while (len > 0) {
		ssize_t k = write(lw->fd, p, len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return LF_ERR_IO;
		p += k;
		len -= (size_t)k;
	}
	return LF_OK;
}

static int local_commit(lf_blob_writer *w)
{
	local_writer *lw = (local_writer *)w;
	int ret = LF_ERR_IO;
	if (fsync(lw->fd) != 0)
		goto cleanup;
	int rc = close(lw->fd);
	lw->fd = -1;
	if (rc != 0)
		goto cleanup;
	if (rename(lw->tmp, lw->final) != 0) {
		ret = errno_err(errno);
		if (ret == LF_ERR_NOTFOUND)
			ret = LF_ERR_IO;
		goto cleanup;
	}
	free(lw->tmp);
	lw->tmp = NULL;
	ret = fsync_parent(lw->final);
cleanup:
	if (lw->tmp != NULL)
		unlink(lw->tmp);
	writer_free(lw);
	return ret;
}

static void local_abort(lf_blob_writer *w)
{
	local_writer *lw = (local_writer *)w;
	unlink(lw->tmp);
	writer_free(lw);
}

static int local_open_read(lf_blob_store *bs, const char *key, lf_blob_reader **out)
{
	local_store *ls = (local_store *)bs;
	int ret = LF_ERR_NOMEM;
	char *path = join(ls->root, key);
	local_reader *lr = calloc(1, sizeof(*lr));
	if (path == NULL || lr == NULL)
		goto cleanup;
	lr->base.ops = &local_ops;
	lr->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (lr->fd < 0) {
		ret = errno == ELOOP ? LF_ERR_NOTFOUND : errno_err(errno);
		if (ret == LF_ERR_CONFLICT)
			ret = LF_ERR_NOTFOUND;
		goto cleanup;
	}
	struct stat st;
	ret = LF_ERR_IO;
	if (fstat(lr->fd, &st) != 0)
		goto cleanup;
	/* A key that names a folder of other blobs is not a blob. */
	ret = LF_ERR_NOTFOUND;
	if (!S_ISREG(st.st_mode))
		goto cleanup;
	lr->size = (uint64_t)st.st_size;
	*out = &lr->base;
	lr = NULL;
	ret = LF_OK;
cleanup:
	if (lr != NULL)
		local_close_read(&lr->base);
	free(path);
	return ret;
}

static int local_read(lf_blob_reader *r, void *buf, size_t cap, size_t *n)
{
	local_reader *lr = (local_reader *)r;
	ssize_t k;
	do
		k = read(lr->fd, buf, cap);
	while (k < 0 && errno == EINTR);
	if (k < 0)
		return LF_ERR_IO;
	*n = (size_t)k;
	return LF_OK;
}

static int local_seek(lf_blob_reader *r, uint64_t offset)
{
	local_reader *lr = (local_reader *)r;
	if (offset > (uint64_t)INT64_MAX)
		return LF_ERR_INVALID;
	return lseek(lr->fd, (off_t)offset, SEEK_SET) < 0 ? LF_ERR_IO : LF_OK;
}

static int local_reader_size(lf_blob_reader *r, uint64_t *size)
{
	*size = ((local_reader *)r)->size;
	return LF_OK;
}

static int local_reader_fd(lf_blob_reader *r)
{
	return ((local_reader *)r)->fd;
}

static void local_close_read(lf_blob_reader *r)
{
	local_reader *lr = (local_reader *)r;
	if (lr->fd >= 0)
		close(lr->fd);
	free(lr);
}

static int local_size(lf_blob_store *bs, const char *key, uint64_t *size)
{
	char *path = join(((local_store *)bs)->root, key);
	if (path == NULL)
		return LF_ERR_NOMEM;
	struct stat st;
	int ret = LF_OK;
	if (lstat(path, &st) != 0) {
		ret = errno_err(errno);
		if (ret == LF_ERR_CONFLICT)
			ret = LF_ERR_NOTFOUND;
	} else if (!S_ISREG(st.st_mode)) {
		ret = LF_ERR_NOTFOUND;
	} else {
		*size = (uint64_t)st.st_size;
	}
	free(path);
	return ret;
}

static int local_del(lf_blob_store *bs, const char *key)
{
	char *path = join(((local_store *)bs)->root, key);
	if (path == NULL)
		return LF_ERR_NOMEM;
	int ret = LF_OK;
	if (unlink(path) != 0) {
		ret = errno_err(errno);
		/* EISDIR/EPERM on a folder: there is no blob of that name. */
		if (ret == LF_ERR_CONFLICT || errno == EPERM)
			ret = LF_ERR_NOTFOUND;
	}
	free(path);
	return ret;
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

/* The files and folders of dfd that can be (or hold) blobs, unsorted:
 * temporary files ('~'), symbolic links and odd names are not blobs. */
static int read_entries(int dfd, struct entry **out, size_t *n)
{
	int ret = LF_ERR_IO;
	size_t cap = 0;
	struct entry *v = NULL;
	int fd = dup(dfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	*n = 0;
	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		goto cleanup;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		struct stat st;
		const char *nm = e->d_name;
		if (!lf_blob_key_valid(nm) || strchr(nm, '~') != NULL ||
		    fstatat(dfd, nm, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
			continue;
		ret = LF_ERR_NOMEM;
		if (*n == cap) {
			cap = cap ? cap * 2 : 32;
			struct entry *nv = realloc(v, cap * sizeof(*v));
			if (nv == NULL)
				goto cleanup;
			v = nv;
		}
		size_t len = strlen(nm);
		char *name = malloc(len + 2);
		if (name == NULL)
			goto cleanup;
		memcpy(name, nm, len + 1);
		if (S_ISDIR(st.st_mode))
			memcpy(name + len, "/", 2);
		v[(*n)++] = (struct entry){name, (uint64_t)st.st_size};
	}
	qsort(v, *n, sizeof(*v), entry_cmp);
	*out = v;
	v = NULL;
	ret = LF_OK;
cleanup:
	if (v != NULL) {
		for (size_t i = 0; i < *n; i++)
			free(v[i].name);
		free(v);
		*n = 0;
	}
	if (d != NULL)
		closedir(d);
	return ret;
}

/* Whether keys beginning with key_prefix (a folder, "a/b/") can match the
 * listing's prefix and come after its cursor. */
static int may_hold(const struct listing *l, const char *key_prefix)
{
	size_t kp = strlen(key_prefix), pl = strlen(l->prefix);
	if (strncmp(key_prefix, l->prefix, kp < pl ? kp : pl) != 0)
		return 0;
	if (l->cursor == NULL || strncmp(l->cursor, key_prefix, kp) == 0)
		return 1;
	return strcmp(key_prefix, l->cursor) > 0;
}

/* rel is the folder's key prefix ("" or "a/b/"), in a buffer of
 * LF_BLOB_KEY_MAX + 2 bytes. */
static int walk(struct listing *l, int dfd, char *rel, size_t rlen)
{
	struct entry *v = NULL;
	size_t n = 0;
	int ret = read_entries(dfd, &v, &n);
	for (size_t i = 0; i < n && ret == LF_OK && !l->stop; i++) {
		size_t len = strlen(v[i].name);
		if (rlen + len > LF_BLOB_KEY_MAX)
			continue;
		memcpy(rel + rlen, v[i].name, len + 1);
		if (rel[rlen + len - 1] == '/') {
			if (!may_hold(l, rel))
				continue;
			rel[rlen + len - 1] = '\0';
			int sub =
			    openat(dfd, v[i].name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			rel[rlen + len - 1] = '/';
			if (sub < 0)
				continue;
			ret = walk(l, sub, rel, rlen + len);
			close(sub);
			continue;
		}
		if (strncmp(rel, l->prefix, strlen(l->prefix)) != 0 ||
		    (l->cursor != NULL && strcmp(rel, l->cursor) <= 0))
			continue;
		if (l->count == l->limit) {
			*l->next = strdup(l->last);
			ret = *l->next != NULL ? LF_OK : LF_ERR_NOMEM;
			l->stop = true;
			continue;
		}
		ret = l->fn(l->ctx, rel, v[i].size, NULL);
		memcpy(l->last, rel, rlen + len + 1);
		l->count++;
	}
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
	return ret;
}

static int local_list(lf_blob_store *bs, const char *prefix, const char *cursor, int limit,
		      lf_blob_list_fn fn, void *ctx, char **next_cursor)
{
	local_store *ls = (local_store *)bs;
	struct listing l = {.prefix = prefix,
			    .cursor = cursor,
			    .limit = limit,
			    .fn = fn,
			    .ctx = ctx,
			    .next = next_cursor};
	char rel[LF_BLOB_KEY_MAX + 2] = "";
	int dfd = open(ls->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return LF_ERR_IO;
	int ret = walk(&l, dfd, rel, 0);
	close(dfd);
	if (ret != LF_OK) {
		free(*next_cursor);
		*next_cursor = NULL;
	}
	return ret;
}
