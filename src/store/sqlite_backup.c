/*
 * sqlite_backup.c - lf_store_backup: an online, consistent copy of a
 * SQLite database, taken beside running servers and workers.
 *
 * It opens a connection of its own instead of going through lf_store_open:
 * a backup must not migrate the database it copies (an older database
 * backed up by a newer binary stays as it was), and needs no reader pool
 * or writer thread.
 */
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* How long the copy waits, in all, for a moment when it may read (only a
 * checkpoint that is truncating the WAL, or a writer changing the schema,
 * holds it off). */
#define BACKUP_BUSY_MS 30000

static int copy_pages(sqlite3 *src, sqlite3 *dst, int64_t *pages, char *err, size_t errlen);
static int check_copy(sqlite3 *dst, char *err, size_t errlen);
static int64_t page_size(sqlite3 *db);
static int sync_dir(const char *path);

/*
 * All pages in one step, under one read transaction: that read is the
 * snapshot the copy shows. Copying in slices with pauses between them
 * would be gentler on a busy disk, but SQLite restarts a sliced backup
 * whenever another process writes to the source, so under steady writes
 * it would never finish. Under WAL one long read blocks no writer; it
 * only keeps checkpoints from recycling the WAL until it ends.
 */
static int copy_pages(sqlite3 *src, sqlite3 *dst, int64_t *pages, char *err, size_t errlen)
{
	int rc, waited = 0;
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	if (b == NULL) {
		snprintf(err, errlen, "cannot start the copy: %s", sqlite3_errmsg(dst));
		return LF_ERR_DB;
	}
	while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED) {
		if (waited >= BACKUP_BUSY_MS)
			break;
		sqlite3_sleep(50);
		waited += 50;
	}
	*pages = sqlite3_backup_pagecount(b);
	/* finish reports the step's error too, so its answer decides. */
	int frc = sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE || frc != SQLITE_OK) {
		snprintf(err, errlen, "copy failed: %s",
			 rc != SQLITE_DONE ? sqlite3_errstr(rc) : sqlite3_errmsg(dst));
		return rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? LF_ERR_CONFLICT : LF_ERR_DB;
	}
	return LF_OK;
}

/*
 * The copy is made a single file (rollback journal instead of WAL: it is
 * an archive, copied and moved on its own, and a WAL database needs its
 * -wal and -shm files beside it once opened), then checked completely
 * before anyone is told it exists.
 */
static int check_copy(sqlite3 *dst, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int ret = LF_ERR_DB;
	if (sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot set the copy's journal mode: %s",
			 sqlite3_errmsg(dst));
		goto cleanup;
	}
	if (sqlite3_prepare_v2(dst, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		snprintf(err, errlen, "cannot check the copy: %s", sqlite3_errmsg(dst));
		goto cleanup;
	}
	const char *verdict = (const char *)sqlite3_column_text(st, 0);
	if (verdict == NULL || strcmp(verdict, "ok") != 0) {
		snprintf(err, errlen, "the copy fails integrity_check: %s",
			 verdict ? verdict : "(no answer)");
		goto cleanup;
	}
	ret = LF_OK;
cleanup:
	sqlite3_finalize(st);
	return ret;
}

/* 0 when it cannot be read: it only sizes the report. */
static int64_t page_size(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int64_t n = 0;
	if (sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* A rename is durable once the folder holding it is on disk. */
static int sync_dir(const char *path)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", path);
	int fd = open(dirname(buf), O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return LF_ERR_IO;
	int rc = fsync(fd);
	close(fd);
	return rc == 0 ? LF_OK : LF_ERR_IO;
}

int lf_store_backup(const char *url, const char *dest, lf_store_backup_info *info, char *err,
		    size_t errlen)
{
	char tmp[4200];
	sqlite3 *src = NULL, *dst = NULL;
	int ret = LF_ERR_DB, made_tmp = 0;
	const char *path = strncmp(url, "sqlite:", 7) == 0 ? url + 7 : url;
	memset(info, 0, sizeof(*info));
	if (strstr(url, "://") != NULL) {
		snprintf(err, errlen, "%s is not a SQLite database", url);
		return LF_ERR_INVALID;
	}
	/* An existing file is never replaced: a backup that overwrote the
	 * last good one and then failed would leave none. */
	if (access(dest, F_OK) == 0) {
		snprintf(err, errlen, "%s exists; give a new file name", dest);
		return LF_ERR_CONFLICT;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", dest, (long)getpid());
	/* No SQLITE_OPEN_CREATE: a mistyped path must fail, not back up a
	 * new empty database. */
	if (sqlite3_open_v2(path, &src, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open %s: %s", path,
			 src ? sqlite3_errmsg(src) : "out of memory");
		goto cleanup;
	}
	sqlite3_busy_timeout(src, 5000);
	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "cannot create %s: %s", tmp,
			 dst ? sqlite3_errmsg(dst) : "out of memory");
		ret = LF_ERR_IO;
		goto cleanup;
	}
	made_tmp = 1;
	if ((ret = copy_pages(src, dst, &info->pages, err, errlen)) != LF_OK ||
	    (ret = check_copy(dst, err, errlen)) != LF_OK)
		goto cleanup;
	info->bytes = info->pages * page_size(dst);
	/* Closed before the rename: the default synchronous=FULL has synced
	 * every page, and no handle is left on the temporary name. */
	if (sqlite3_close(dst) != SQLITE_OK) {
		snprintf(err, errlen, "cannot close %s", tmp);
		ret = LF_ERR_IO;
		goto cleanup;
	}
	dst = NULL;
	if (rename(tmp, dest) != 0) {
		snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, dest, strerror(errno));
		ret = LF_ERR_IO;
		goto cleanup;
	}
	made_tmp = 0;
	if ((ret = sync_dir(dest)) != LF_OK)
		snprintf(err, errlen, "cannot sync the folder of %s", dest);
cleanup:
	sqlite3_close(dst);
	sqlite3_close(src);
	if (made_tmp)
		unlink(tmp);
	return ret;
}
