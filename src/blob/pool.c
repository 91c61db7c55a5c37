/*
 * pool.c - object stores opened by URL on demand and kept open: a store
 * holds a connection cache and its signing state, so a source read by
 * every media request must not be opened per request. Few distinct URLs
 * exist (one per connected bucket), hence a list searched in order.
 */
#include "blob/pool.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

struct pool_entry {
	LIST_ENTRY(pool_entry) link;
	char *url;
	lf_blob_store *bs;
};

struct lf_blob_pool {
	lf_blob_opts opts;
	pthread_mutex_t lock;
	LIST_HEAD(, pool_entry) stores;
};

/* The names and the prefix are checked by lf_blob_open_opts when the store
 * opens; the scheme is what keeps the server's disk out of reach. */
int lf_blob_pool_url_check(const char *url, char *err, size_t errlen)
{
	static const char *const schemes[] = {"s3://", "gs://", "azure://"};
	for (size_t i = 0; url != NULL && i < LF_ARRAY_LEN(schemes); i++) {
		size_t n = strlen(schemes[i]);
		if (strncmp(url, schemes[i], n) == 0 && url[n] != '\0' && url[n] != '/')
			return LF_OK;
	}
	snprintf(err, errlen,
		 "url must name an object store bucket: s3://BUCKET/PREFIX, gs://BUCKET/PREFIX or"
		 " azure://ACCOUNT/CONTAINER/PREFIX; local paths and file: URLs are refused");
	return LF_ERR_INVALID;
}

int lf_blob_pool_new(const lf_blob_opts *opts, lf_blob_pool **out)
{
	lf_blob_pool *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return LF_ERR_NOMEM;
	if (opts != NULL)
		p->opts = *opts;
	p->opts.create_bucket = false;
	p->opts.no_check = false;
	pthread_mutex_init(&p->lock, NULL);
	LIST_INIT(&p->stores);
	*out = p;
	return LF_OK;
}

/* The lock is held across the open so that two first requests for one
 * bucket open it once; an open is one request to the store. */
int lf_blob_pool_get(lf_blob_pool *p, const char *url, lf_blob_store **out, char *err,
		     size_t errlen)
{
	struct pool_entry *e;
	int ret;
	if ((ret = lf_blob_pool_url_check(url, err, errlen)) != LF_OK)
		return ret;
	pthread_mutex_lock(&p->lock);
	LIST_FOREACH(e, &p->stores, link)
	if (strcmp(e->url, url) == 0) {
		*out = e->bs;
		goto cleanup;
	}
	ret = LF_ERR_NOMEM;
	if ((e = calloc(1, sizeof(*e))) == NULL || (e->url = strdup(url)) == NULL)
		goto cleanup;
	if ((ret = lf_blob_open_opts(url, &p->opts, &e->bs, err, errlen)) != LF_OK)
		goto cleanup;
	LIST_INSERT_HEAD(&p->stores, e, link);
	*out = e->bs;
	e = NULL;
cleanup:
	if (ret != LF_OK && e != NULL) {
		free(e->url);
		free(e);
	}
	pthread_mutex_unlock(&p->lock);
	return ret;
}

void lf_blob_pool_free(lf_blob_pool *p)
{
	if (p == NULL)
		return;
	while (!LIST_EMPTY(&p->stores)) {
		struct pool_entry *e = LIST_FIRST(&p->stores);
		LIST_REMOVE(e, link);
		lf_blob_close(e->bs);
		free(e->url);
		free(e);
	}
	pthread_mutex_destroy(&p->lock);
	free(p);
}
