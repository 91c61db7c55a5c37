/*
 * anchor.c - publishing signed checkpoints to blob storage and reading
 * them back (see anchor.h).
 */
#include "audit/anchor.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Checkpoints read from the database per round trip while catching up. */
#define ANCHOR_PAGE 64
/* A checkpoint's JSON is about 600 bytes: anything near this is not one. */
#define ANCHOR_OBJECT_MAX 4096

static int copy_field(char *dst, size_t size, const char *src);
static void object_key(const lf_audit_anchor *a, int64_t batch, char *key, size_t size);
static int put_object(const lf_audit_anchor *a, int64_t batch, const lf_checkpoint *c);
static int newest_batch(lf_store *s, int64_t *newest);
static int read_page(lf_store *s, int64_t after, lf_checkpoint *page, int *n);

static int copy_field(char *dst, size_t size, const char *src)
{
	size_t len = strlen(src);
	if (len >= size)
		return LF_ERR_INVALID;
	memcpy(dst, src, len + 1);
	return LF_OK;
}

json_t *lf_checkpoint_to_json(const lf_checkpoint *c)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:s,s:s,s:s,s:s,s:s}", "batch", (json_int_t)c->batch,
			 "first_seq", (json_int_t)c->first_seq, "last_seq", (json_int_t)c->last_seq,
			 "sealed_at", (json_int_t)c->sealed_at, "root", c->root, "prev", c->prev,
			 "hash", c->hash, "signature", c->signature, "key_id", c->key_id);
}

int lf_checkpoint_from_json(const json_t *j, lf_checkpoint *out)
{
	json_int_t batch, first, last, at;
	const char *root, *prev, *hash, *sig, *key_id;
	memset(out, 0, sizeof(*out));
	if (json_unpack((json_t *)j, "{s:I,s:I,s:I,s:I,s:s,s:s,s:s,s:s,s:s}", "batch", &batch,
			"first_seq", &first, "last_seq", &last, "sealed_at", &at, "root", &root,
			"prev", &prev, "hash", &hash, "signature", &sig, "key_id", &key_id) != 0)
		return LF_ERR_INVALID;
	out->batch = batch;
	out->first_seq = first;
	out->last_seq = last;
	out->sealed_at = at;
	if (copy_field(out->root, sizeof(out->root), root) != LF_OK ||
	    copy_field(out->prev, sizeof(out->prev), prev) != LF_OK ||
	    copy_field(out->hash, sizeof(out->hash), hash) != LF_OK ||
	    copy_field(out->signature, sizeof(out->signature), sig) != LF_OK ||
	    copy_field(out->key_id, sizeof(out->key_id), key_id) != LF_OK)
		return LF_ERR_INVALID;
	return LF_OK;
}

/* batch 0: latest.json. */
static void object_key(const lf_audit_anchor *a, int64_t batch, char *key, size_t size)
{
	if (batch == 0)
		snprintf(key, size, "%scheckpoints/latest.json", a->prefix);
	else
		snprintf(key, size, "%scheckpoints/%012" PRId64 ".json", a->prefix, batch);
}

static int put_object(const lf_audit_anchor *a, int64_t batch, const lf_checkpoint *c)
{
	char key[LF_BLOB_KEY_MAX + 1];
	lf_blob_writer *w = NULL;
	char *text = NULL;
	json_t *j = lf_checkpoint_to_json(c);
	int ret = LF_ERR_NOMEM;
	if (j == NULL || (text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		goto cleanup;
	object_key(a, batch, key, sizeof(key));
	if ((ret = lf_blob_create(a->bs, key, &w)) != LF_OK)
		goto cleanup;
	ret = lf_blob_write(w, text, strlen(text));
	if (ret == LF_OK)
		ret = lf_blob_commit(w);
	else
		lf_blob_abort(w);
cleanup:
	free(text);
	json_decref(j);
	return ret;
}

int lf_audit_anchor_get(const lf_audit_anchor *a, int64_t batch, lf_checkpoint *out)
{
	char key[LF_BLOB_KEY_MAX + 1], buf[ANCHOR_OBJECT_MAX];
	size_t n = 0;
	object_key(a, batch, key, sizeof(key));
	int ret = lf_blob_read_head(a->bs, key, buf, sizeof(buf), &n);
	if (ret != LF_OK)
		return ret;
	if (n == sizeof(buf))
		return LF_ERR_INVALID;
	json_t *j = json_loadb(buf, n, 0, NULL);
	if (j == NULL)
		return LF_ERR_INVALID;
	ret = lf_checkpoint_from_json(j, out);
	json_decref(j);
	return ret;
}

/* The database's newest batch, 0 when none. */
static int newest_batch(lf_store *s, int64_t *newest)
{
	lf_checkpoint last;
	lf_tx *tx = NULL;
	int ret = lf_store_begin(s, LF_TX_READ, NULL, &tx);
	if (ret != LF_OK)
		return ret;
	ret = lf_store_audit_checkpoint_last(tx, &last);
	lf_store_rollback(tx);
	*newest = ret == LF_OK ? last.batch : 0;
	return ret == LF_ERR_NOTFOUND ? LF_OK : ret;
}

static int read_page(lf_store *s, int64_t after, lf_checkpoint *page, int *n)
{
	lf_tx *tx = NULL;
	int ret = lf_store_begin(s, LF_TX_READ, NULL, &tx);
	if (ret != LF_OK)
		return ret;
	ret = lf_store_audit_checkpoints(tx, after, page, ANCHOR_PAGE, n);
	lf_store_rollback(tx);
	return ret;
}

int lf_audit_anchor_sync(lf_store *s, const lf_audit_anchor *a, const lf_audit_key *key,
			 int64_t *anchored, int64_t *newest, char *why, size_t whylen)
{
	lf_checkpoint latest, *page = NULL;
	char bad[120];
	int n = 0;
	why[0] = '\0';
	int ret = newest_batch(s, newest);
	if (ret != LF_OK)
		return ret;
	ret = lf_audit_anchor_get(a, 0, &latest);
	if (ret == LF_ERR_NOTFOUND) {
		memset(&latest, 0, sizeof(latest));
		memset(latest.hash, '0', 64);
		ret = LF_OK;
	} else if (ret == LF_ERR_INVALID) {
		snprintf(why, whylen, "the anchor's latest.json is not a checkpoint");
		return LF_ERR_CONFLICT;
	}
	if (ret != LF_OK)
		return ret;
	*anchored = latest.batch;
	if ((page = malloc(sizeof(*page) * ANCHOR_PAGE)) == NULL)
		return LF_ERR_NOMEM;
	do {
		if ((ret = read_page(s, latest.batch, page, &n)) != LF_OK)
			goto cleanup;
		for (int i = 0; i < n; i++) {
			const lf_checkpoint *c = &page[i];
			if (c->batch != latest.batch + 1 || strcmp(c->prev, latest.hash) != 0) {
				snprintf(why, whylen,
					 "the database's checkpoint of batch %" PRId64
					 " does not continue the anchored batch %" PRId64,
					 c->batch, latest.batch);
				ret = LF_ERR_CONFLICT;
				goto cleanup;
			}
			if (lf_checkpoint_verify(c, key->pk, bad, sizeof(bad)) != LF_OK) {
				snprintf(why, whylen, "%s", bad);
				ret = LF_ERR_CONFLICT;
				goto cleanup;
			}
			if ((ret = put_object(a, c->batch, c)) != LF_OK)
				goto cleanup;
			latest = *c;
		}
		/* latest.json after the batches it follows, so that it never
		 * names a batch whose own object is missing. */
		if (n > 0 && (ret = put_object(a, 0, &latest)) != LF_OK)
			goto cleanup;
		*anchored = latest.batch;
	} while (n == ANCHOR_PAGE);
cleanup:
	free(page);
	return ret;
}
