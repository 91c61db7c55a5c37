/*
 * fuzz_media_archive.c - media uploads as archives (src/media/batch.c):
 * the input is one uploaded file, which libmagic names and, as a zip, tar
 * or gzip, libarchive lists and unpacks entry by entry from its blob, each
 * entry checked as media (libmagic, libavformat). Stored in a local blob
 * store in a temporary folder.
 *
 * An upload is either refused with a reason or gives items whose names
 * are UTF-8 paths inside the archive with a kind the project takes; and
 * once the batch is freed unkept, no blob of it is left in the store.
 */
#include "fuzz.h"
#include "media/media.h"

#include <ftw.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static lf_blob_store *bs;
static char dir[64];
static lf_media_targets targets;
static int files_left;

static void cleanup(void);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];

	snprintf(dir, sizeof(dir), "%s/lf-fuzz-media.XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	FUZZ_CHECK(mkdtemp(dir) != NULL);
	if (lf_blob_open(dir, &bs, err, sizeof(err)) != LF_OK ||
	    lf_media_targets_of(NULL, &targets, err, sizeof(err)) != LF_OK) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	atexit(cleanup);
	return 0;
}

/* Counts the files left and removes the folders the store made (each
 * batch has its own), so that the walk stays short. */
static int sweep(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if (flag == FTW_F)
		files_left++;
	else if (flag == FTW_DP && ftw->level > 0)
		rmdir(path);
	return 0;
}

static void remove_all(const char *path)
{
	files_left = 0;
	nftw(path, sweep, 16, FTW_PHYS | FTW_DEPTH);
}

static void cleanup(void)
{
	lf_blob_close(bs);
	remove_all(dir);
	rmdir(dir);
}

static int path_inside(const char *p)
{
	if (p[0] == '/' || p[0] == '\\')
		return 0;
	for (const char *s = p; *s != '\0';) {
		size_t n = strcspn(s, "/\\");
		if (n == 2 && s[0] == '.' && s[1] == '.')
			return 0;
		s += n;
		if (*s != '\0')
			s++;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lf_media_batch *b = NULL;
	const lf_media_item *it;
	lf_error err = {0};
	int rc, i, n;

	FUZZ_CHECK(lf_media_batch_new(bs, 1, &targets, dir, &b) == LF_OK);
	rc = lf_media_batch_file(b, "upload.zip", &err);
	if (rc == LF_OK)
		rc = lf_media_batch_write(b, data, size, &err);
	if (rc == LF_OK)
		rc = lf_media_batch_end(b, &err);
	if (rc != LF_OK) {
		FUZZ_CHECK(err.reason[0] != '\0' && err.message[0] != '\0');
	} else {
		n = lf_media_batch_count(b);
		FUZZ_CHECK(n >= 1 && n <= LF_MEDIA_FILES_MAX);
		FUZZ_CHECK(lf_media_batch_rewind(b) == LF_OK);
		for (i = 0; i < n; i++) {
			FUZZ_CHECK(lf_media_batch_next(b, &it) == LF_OK);
			FUZZ_CHECK(it->filename != NULL &&
				   lf_utf8_valid(it->filename, strlen(it->filename)));
			FUZZ_CHECK(path_inside(it->filename));
			FUZZ_CHECK(it->kind != LF_MEDIA_NONE && it->target[0] != '\0');
		}
	}
	lf_media_batch_free(b);
	remove_all(dir);
	FUZZ_CHECK(files_left == 0);
	return 0;
}
