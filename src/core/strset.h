/*
 * strset.h - a set of byte strings for duplicate checks over untrusted
 * input (CSV header names, label config names and values).
 *
 * Open addressing with linear probing in a table sized once for the most
 * keys the caller will add, so each add is O(1) expected. Keys are hashed
 * with SipHash under a random key per set: names chosen by an uploader
 * cannot be made to collide, which would bring back the quadratic cost.
 */
#ifndef LF_STRSET_H
#define LF_STRSET_H

#include "core/lf.h"

#include <stddef.h>
#include <stdint.h>

typedef struct lf_strset_slot lf_strset_slot;

typedef struct lf_strset {
	lf_strset_slot *slots;
	size_t mask; /* table size - 1 (a power of two) */
	size_t count;
	size_t max;
	unsigned char key[16]; /* crypto_shorthash_KEYBYTES */
} lf_strset;

/*
 * Prepares s for up to max keys. Returns LF_OK, LF_ERR_NOMEM (or
 * LF_ERR_INTERNAL if libsodium cannot start). Release with lf_strset_free
 * (also after a failed init).
 */
int lf_strset_init(lf_strset *s, size_t max);

/*
 * Adds key[0..len) (key not NULL) in namespace ns (equal bytes in different namespaces are
 * different keys) with the caller's id. The bytes are borrowed: they must
 * stay unchanged while s is in use. Returns LF_OK when the key was new;
 * LF_ERR_CONFLICT when it was there already, with *first set to the id it
 * was first added with (first may be NULL); LF_ERR_LIMIT past max keys.
 */
int lf_strset_add(lf_strset *s, const char *key, size_t len, int64_t ns, size_t id, size_t *first);

/* Frees the table (not the keys). */
void lf_strset_free(lf_strset *s);

#endif
