/*
 * ratelimit.c - in-memory token buckets per key, bounded memory.
 *
 * Each bucket is stored as a single "theoretical arrival time" (GCRA): the
 * moment the bucket would be full again. Taking a token is allowed while that
 * moment is at most (burst - 1) intervals in the future, and pushes it one
 * interval further. This is exactly a token bucket, with one integer per key
 * and no refill loop.
 *
 * Keys are stored as 128-bit keyed BLAKE2b digests: entries have a fixed size
 * whatever the key length, and because the hash key is random per limiter a
 * client cannot choose keys that all land in one hash chain.
 *
 * The same table also serves failure backoff (lf_backoff_*): there an
 * entry counts consecutive failures and tat is the moment the next attempt
 * is allowed, so one key's delays grow without ever becoming a wall, and
 * another key (the same account from another address) is never touched.
 *
 * All entries are allocated at create. When every entry is in use the least
 * recently touched one is recycled; a forgotten key simply starts again with
 * a full bucket, which is the documented price of bounded memory.
 */
#include "auth/auth.h"

#include <limits.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#define ID_BYTES 16
/* Upper bound for burst * refill_ms, so tat arithmetic cannot overflow for
 * any plausible clock value: about 290 years. */
#define MAX_WINDOW_MS ((int64_t)1 << 53)
#define MAX_CAPACITY  ((size_t)1 << 28)

struct entry {
	unsigned char id[ID_BYTES];
	int64_t tat;		 /* when the bucket is full again (backoff: next try allowed), ms */
	int failures;		 /* backoff only: consecutive failures */
	LIST_ENTRY(entry) chain; /* in a hash bucket, or in the free list */
	TAILQ_ENTRY(entry) lru;	 /* only while in use; head = stalest */
};

LIST_HEAD(entry_list, entry);
TAILQ_HEAD(entry_queue, entry);

struct lf_ratelimit {
	pthread_mutex_t mu;
	int64_t interval;  /* refill_ms */
	int64_t tolerance; /* (burst - 1) * interval */
	int free_failures; /* backoff only: failures before the first delay */
	int64_t max_delay; /* backoff only: the longest delay */
	size_t mask;	   /* nbuckets - 1 */
	struct entry_list *buckets;
	struct entry_list free;
	struct entry_queue lru;
	struct entry *entries;
	unsigned char hkey[crypto_generichash_KEYBYTES];
};

static void key_id(const lf_ratelimit *rl, const char *key, unsigned char id[ID_BYTES]);
static struct entry_list *bucket_of(const lf_ratelimit *rl, const unsigned char id[ID_BYTES]);
static struct entry *lookup(lf_ratelimit *rl, const unsigned char id[ID_BYTES]);
static struct entry *insert(lf_ratelimit *rl, const unsigned char id[ID_BYTES], int64_t now_ms);
static void forget(lf_ratelimit *rl, struct entry *e);
static struct entry *touch(lf_ratelimit *rl, const unsigned char id[ID_BYTES], int64_t now_ms);

lf_ratelimit *lf_ratelimit_create(int burst, int64_t refill_ms, size_t capacity)
{
	lf_ratelimit *rl = NULL;
	size_t i, nbuckets = 1;

	if (burst < 1 || refill_ms < 1 || capacity < 1 || capacity > MAX_CAPACITY ||
	    refill_ms > MAX_WINDOW_MS / burst)
		goto fail;
	if (sodium_init() < 0)
		goto fail;
	rl = calloc(1, sizeof(*rl));
	if (!rl)
		goto fail;
	while (nbuckets < capacity)
		nbuckets <<= 1;
	rl->buckets = calloc(nbuckets, sizeof(*rl->buckets));
	rl->entries = calloc(capacity, sizeof(*rl->entries));
	if (!rl->buckets || !rl->entries)
		goto fail;
	if (pthread_mutex_init(&rl->mu, NULL) != 0)
		goto fail;
	rl->interval = refill_ms;
	rl->tolerance = (int64_t)(burst - 1) * refill_ms;
	rl->mask = nbuckets - 1;
	for (i = 0; i < nbuckets; i++)
		LIST_INIT(&rl->buckets[i]);
	LIST_INIT(&rl->free);
	TAILQ_INIT(&rl->lru);
	for (i = 0; i < capacity; i++)
		LIST_INSERT_HEAD(&rl->free, &rl->entries[i], chain);
	randombytes_buf(rl->hkey, sizeof(rl->hkey));
	return rl;

fail:
	if (rl) {
		free(rl->buckets);
		free(rl->entries);
		free(rl);
	}
	return NULL;
}

lf_ratelimit *lf_backoff_create(int free_failures, int64_t base_ms, int64_t max_ms, size_t capacity)
{
	lf_ratelimit *rl;

	if (free_failures < 1 || base_ms < 1 || max_ms < base_ms || max_ms > MAX_WINDOW_MS)
		return NULL;
	rl = lf_ratelimit_create(1, base_ms, capacity);
	if (rl) {
		rl->free_failures = free_failures;
		rl->max_delay = max_ms;
	}
	return rl;
}

void lf_ratelimit_destroy(lf_ratelimit *rl)
{
	if (!rl)
		return;
	pthread_mutex_destroy(&rl->mu);
	free(rl->buckets);
	free(rl->entries);
	sodium_memzero(rl->hkey, sizeof(rl->hkey));
	free(rl);
}

int lf_ratelimit_take(lf_ratelimit *rl, const char *key, int64_t now_ms, int64_t *retry_after_ms)
{
	int ret = LF_ERR_INVALID;
	unsigned char id[ID_BYTES];
	struct entry *e;
	int64_t wait = 0;

	if (!rl || !key)
		goto cleanup;
	key_id(rl, key, id);

	pthread_mutex_lock(&rl->mu);
	e = touch(rl, id, now_ms);
	if (e->tat < now_ms)
		e->tat = now_ms;
	if (e->tat - now_ms <= rl->tolerance) {
		e->tat += rl->interval;
		ret = LF_OK;
	} else {
		wait = e->tat - rl->tolerance - now_ms;
		ret = LF_ERR_LIMIT;
	}
	pthread_mutex_unlock(&rl->mu);

cleanup:
	if (retry_after_ms)
		*retry_after_ms = wait;
	return ret;
}

void lf_ratelimit_reset(lf_ratelimit *rl, const char *key)
{
	unsigned char id[ID_BYTES];
	struct entry *e;

	if (!rl || !key)
		return;
	key_id(rl, key, id);
	pthread_mutex_lock(&rl->mu);
	e = lookup(rl, id);
	if (e)
		forget(rl, e);
	pthread_mutex_unlock(&rl->mu);
}

int lf_backoff_check(lf_ratelimit *rl, const char *key, int64_t now_ms, int64_t *retry_after_ms)
{
	int ret = LF_ERR_INVALID;
	unsigned char id[ID_BYTES];
	struct entry *e;
	int64_t wait = 0;

	if (!rl || !key)
		goto cleanup;
	key_id(rl, key, id);
	ret = LF_OK;
	pthread_mutex_lock(&rl->mu);
	e = lookup(rl, id);
	if (e && e->tat > now_ms) {
		wait = e->tat - now_ms;
		ret = LF_ERR_LIMIT;
	}
	pthread_mutex_unlock(&rl->mu);

cleanup:
	if (retry_after_ms)
		*retry_after_ms = wait;
	return ret;
}

void lf_backoff_fail(lf_ratelimit *rl, const char *key, int64_t now_ms)
{
	unsigned char id[ID_BYTES];
	struct entry *e;
	int64_t delay;
	int n;

	if (!rl || !key)
		return;
	key_id(rl, key, id);
	pthread_mutex_lock(&rl->mu);
	e = touch(rl, id, now_ms);
	if (e->failures < INT_MAX)
		e->failures++;
	n = e->failures - rl->free_failures;
	if (n >= 0) {
		/* base * 2^n, stopping the doubling once it reaches the cap. */
		for (delay = rl->interval; n > 0 && delay < rl->max_delay; n--)
			delay *= 2;
		if (delay > rl->max_delay)
			delay = rl->max_delay;
		e->tat = now_ms + delay;
	}
	pthread_mutex_unlock(&rl->mu);
}

/* The entry of id, made the most recently used, or a new one: a take and
 * a failure both count as use. Called with rl->mu held. */
static struct entry *touch(lf_ratelimit *rl, const unsigned char id[ID_BYTES], int64_t now_ms)
{
	struct entry *e = lookup(rl, id);
	if (e == NULL)
		return insert(rl, id, now_ms);
	TAILQ_REMOVE(&rl->lru, e, lru);
	TAILQ_INSERT_TAIL(&rl->lru, e, lru);
	return e;
}

/* Hashed outside the lock: it is the only costly step of a take. */
static void key_id(const lf_ratelimit *rl, const char *key, unsigned char id[ID_BYTES])
{
	crypto_generichash(id, ID_BYTES, (const unsigned char *)key, strlen(key), rl->hkey,
			   sizeof(rl->hkey));
}

static struct entry_list *bucket_of(const lf_ratelimit *rl, const unsigned char id[ID_BYTES])
{
	uint64_t h;

	memcpy(&h, id, sizeof(h));
	return &rl->buckets[h & rl->mask];
}

static struct entry *lookup(lf_ratelimit *rl, const unsigned char id[ID_BYTES])
{
	struct entry *e;

	LIST_FOREACH(e, bucket_of(rl, id), chain)
	if (memcmp(e->id, id, ID_BYTES) == 0)
		return e;
	return NULL;
}

/* Takes a free entry, recycling the least recently used one when none is
 * left, and starts it with a full bucket. Caller holds the lock. */
static struct entry *insert(lf_ratelimit *rl, const unsigned char id[ID_BYTES], int64_t now_ms)
{
	struct entry *e = LIST_FIRST(&rl->free);

	if (!e) {
		e = TAILQ_FIRST(&rl->lru);
		if (!e)
			lf_fatal("lf_ratelimit: no free and no used entry");
		forget(rl, e);
		e = LIST_FIRST(&rl->free);
	}
	LIST_REMOVE(e, chain);
	memcpy(e->id, id, ID_BYTES);
	e->tat = now_ms;
	e->failures = 0;
	LIST_INSERT_HEAD(bucket_of(rl, id), e, chain);
	TAILQ_INSERT_TAIL(&rl->lru, e, lru);
	return e;
}

/* Moves an in-use entry back to the free list. Caller holds the lock. */
static void forget(lf_ratelimit *rl, struct entry *e)
{
	LIST_REMOVE(e, chain);
	TAILQ_REMOVE(&rl->lru, e, lru);
	LIST_INSERT_HEAD(&rl->free, e, chain);
}
