/*
 * strset.c - an open-addressing set of borrowed byte strings.
 */
#include "core/strset.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

struct lf_strset_slot {
	const char *key; /* NULL: empty */
	size_t len;
	int64_t ns;
	size_t id;
	uint64_t hash;
};

static uint64_t hash_key(const lf_strset *s, const char *key, size_t len, int64_t ns);

int lf_strset_init(lf_strset *s, size_t max)
{
	int ret = LF_ERR_INTERNAL;
	size_t size = 16;

	memset(s, 0, sizeof(*s));
	if (sodium_init() < 0)
		goto cleanup;
	/* at most half full keeps probe runs short */
	while (size / 2 < max) {
		ret = LF_ERR_NOMEM;
		if (size > SIZE_MAX / 2 / sizeof(*s->slots))
			goto cleanup;
		size *= 2;
	}
	ret = LF_ERR_NOMEM;
	s->slots = calloc(size, sizeof(*s->slots));
	if (s->slots == NULL)
		goto cleanup;
	s->mask = size - 1;
	s->max = max;
	randombytes_buf(s->key, sizeof(s->key));
	ret = LF_OK;
cleanup:
	return ret;
}

int lf_strset_add(lf_strset *s, const char *key, size_t len, int64_t ns, size_t id, size_t *first)
{
	uint64_t h = hash_key(s, key, len, ns);
	size_t i = (size_t)h & s->mask;
	lf_strset_slot *e;

	for (;; i = (i + 1) & s->mask) {
		e = &s->slots[i];
		if (e->key == NULL)
			break;
		if (e->hash == h && e->ns == ns && e->len == len && memcmp(e->key, key, len) == 0) {
			if (first != NULL)
				*first = e->id;
			return LF_ERR_CONFLICT;
		}
	}
	if (s->count == s->max)
		return LF_ERR_LIMIT;
	*e = (lf_strset_slot){.key = key, .len = len, .ns = ns, .id = id, .hash = h};
	s->count++;
	return LF_OK;
}

void lf_strset_free(lf_strset *s)
{
	free(s->slots);
	s->slots = NULL;
}

/* SipHash-2-4 of the key under the set's random key; the namespace is
 * mixed in afterwards since equal keys of different namespaces only need
 * to be told apart by the comparison, not kept in different slots. */
static uint64_t hash_key(const lf_strset *s, const char *key, size_t len, int64_t ns)
{
	unsigned char out[crypto_shorthash_BYTES];
	uint64_t h;

	crypto_shorthash(out, (const unsigned char *)key, len, s->key);
	memcpy(&h, out, sizeof(h));
	return h ^ ((uint64_t)ns * 0x9E3779B97F4A7C15u);
}
