/*
 * arena.h - region allocator for per-request (or per-job) memory.
 *
 * Memory handed out by an arena is released all at once by
 * lf_arena_reset/lf_arena_destroy; individual allocations are never freed.
 * What the arena cannot hold itself (a jansson value, a file being
 * written, a parser's state) is tied to it with lf_arena_defer, so it is
 * released with the arena too: a handler allocates from the request's
 * arena and never calls free(). On allocation failure the functions
 * return NULL.
 */
#ifndef LF_ARENA_H
#define LF_ARENA_H

#include <stdarg.h>
#include <stddef.h>

#include "core/lf.h"

typedef struct lf_arena lf_arena;

/* Creates an empty arena. Returns NULL when out of memory. Owner: caller,
 * released with lf_arena_destroy. */
lf_arena *lf_arena_create(void);
/* Frees every block of the arena and the arena itself. NULL is allowed. */
void lf_arena_destroy(lf_arena *a);
/* Frees every allocation but keeps the first block for reuse. */
void lf_arena_reset(lf_arena *a);

/* Returns n bytes aligned for any type, owned by the arena. */
void *lf_arena_alloc(lf_arena *a, size_t n);
/* Same, zero-filled. */
void *lf_arena_calloc(lf_arena *a, size_t n);
/* Copies s (or its first n bytes) into the arena, NUL-terminated. */
char *lf_arena_strdup(lf_arena *a, const char *s);
char *lf_arena_strndup(lf_arena *a, const char *s, size_t n);
/* printf into arena memory. */
char *lf_arena_printf(lf_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *lf_arena_vprintf(lf_arena *a, const char *fmt, va_list ap);

/*
 * Runs fn(p) when the arena is reset or destroyed, before its memory goes;
 * cleanups run newest first. LF_ERR_NOMEM when the record cannot be
 * allocated: fn(p) has then already run, so p is released either way.
 */
int lf_arena_defer(lf_arena *a, void (*fn)(void *), void *p);

#endif
