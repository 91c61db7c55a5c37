#include "core/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Blocks form a singly linked list, newest first. A request typically fits
 * in the first 8 KiB block, so the common case is one malloc per request;
 * large allocations get a block of their own so they do not waste the
 * tail of the current block.
 */
#define ARENA_BLOCK 8192
#define ARENA_ALIGN 16

struct block {
	struct block *next;
	size_t size, used;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

/* A cleanup to run when the arena's memory goes: kept in the arena itself,
 * newest first, so cleanups run in the reverse order of registration. */
struct deferred {
	struct deferred *next;
	void (*fn)(void *);
	void *p;
};

struct lf_arena {
	struct block *head;
	struct block *first; /* the block kept across resets */
	struct deferred *defers;
};

static struct block *block_new(size_t size);
static void run_defers(lf_arena *a);

static struct block *block_new(size_t size)
{
	struct block *b = malloc(sizeof(*b) + size);
	if (b == NULL)
		return NULL;
	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

lf_arena *lf_arena_create(void)
{
	lf_arena *a = malloc(sizeof(*a));
	if (a == NULL)
		return NULL;
	a->head = a->first = block_new(ARENA_BLOCK);
	a->defers = NULL;
	if (a->head == NULL) {
		free(a);
		return NULL;
	}
	return a;
}

/* Cleanups first: they may still read memory of the arena. */
static void run_defers(lf_arena *a)
{
	while (a->defers != NULL) {
		struct deferred *d = a->defers;
		a->defers = d->next;
		d->fn(d->p);
	}
}

void lf_arena_destroy(lf_arena *a)
{
	if (a == NULL)
		return;
	run_defers(a);
	struct block *b = a->head;
	while (b != NULL) {
		struct block *next = b->next;
		free(b);
		b = next;
	}
	free(a);
}

void lf_arena_reset(lf_arena *a)
{
	run_defers(a);
	struct block *b = a->head;
	while (b != NULL) {
		struct block *next = b->next;
		if (b != a->first)
			free(b);
		b = next;
	}
	a->head = a->first;
	a->first->next = NULL;
	a->first->used = 0;
}

void *lf_arena_alloc(lf_arena *a, size_t n)
{
	if (a == NULL)
		return NULL;
	if (n == 0)
		n = 1;
	if (n > SIZE_MAX - ARENA_ALIGN)
		return NULL;
	n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	struct block *b = a->head; /* never NULL: the first block always exists */
	if (b->size - b->used >= n) {
		void *p = b->data + b->used;
		b->used += n;
		return p;
	}
	if (n > ARENA_BLOCK / 4) {
		/* Big allocation: a dedicated block inserted behind the current
		 * one, so the current block's free tail stays usable. */
		struct block *big = block_new(n);
		if (big == NULL)
			return NULL;
		big->used = n;
		big->next = b->next;
		b->next = big;
		return big->data;
	}
	struct block *nb = block_new(ARENA_BLOCK);
	if (nb == NULL)
		return NULL;
	nb->next = a->head;
	a->head = nb;
	nb->used = n;
	return nb->data;
}

void *lf_arena_calloc(lf_arena *a, size_t n)
{
	void *p = lf_arena_alloc(a, n);
	if (p != NULL)
		memset(p, 0, n);
	return p;
}

char *lf_arena_strndup(lf_arena *a, const char *s, size_t n)
{
	char *p = lf_arena_alloc(a, n + 1);
	if (p == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *lf_arena_strdup(lf_arena *a, const char *s)
{
	return lf_arena_strndup(a, s, strlen(s));
}

char *lf_arena_vprintf(lf_arena *a, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return NULL;
	char *p = lf_arena_alloc(a, (size_t)n + 1);
	if (p == NULL)
		return NULL;
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *lf_arena_printf(lf_arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = lf_arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}

int lf_arena_defer(lf_arena *a, void (*fn)(void *), void *p)
{
	struct deferred *d = lf_arena_alloc(a, sizeof(*d));
	if (d == NULL) {
		/* Nobody would release p later: release it now, so that an
		 * allocation failure never turns into a leak. */
		fn(p);
		return LF_ERR_NOMEM;
	}
	d->fn = fn;
	d->p = p;
	d->next = a->defers;
	a->defers = d;
	return LF_OK;
}
