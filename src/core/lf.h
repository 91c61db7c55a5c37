/*
 * lf.h - definitions shared by every LabelFlow module.
 *
 * Every fallible function returns an lf_err: LF_OK (0) on success, a
 * negative code otherwise. Callers propagate codes unchanged; only the API
 * layer maps them to HTTP statuses (lf_err_http_status in api/).
 */
#ifndef LF_H
#define LF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum lf_err {
	LF_OK = 0,
	LF_ERR_NOMEM = -1,     /* allocation failed */
	LF_ERR_INVALID = -2,   /* malformed or semantically invalid input */
	LF_ERR_NOTFOUND = -3,  /* the entity does not exist (or is hidden) */
	LF_ERR_CONFLICT = -4,  /* wrong state, duplicate key, lost lease */
	LF_ERR_DB = -5,	       /* database failure */
	LF_ERR_AUTH = -6,      /* missing, forged or expired credentials */
	LF_ERR_FORBIDDEN = -7, /* authenticated but not allowed */
	LF_ERR_LIMIT = -8,     /* rate limit or size limit exceeded */
	LF_ERR_IO = -9,	       /* file or network I/O failure */
	LF_ERR_FUNDS = -10,    /* escrow cannot cover the operation */
	LF_ERR_INTERNAL = -11  /* a bug: an impossible state */
} lf_err;

/* Returns a static, human-readable name for an error code. */
const char *lf_err_str(int err);

#define LF_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Current wall-clock time in milliseconds / microseconds since the epoch. */
int64_t lf_now_ms(void);
int64_t lf_now_us(void);
/* Monotonic clock in microseconds, for durations. */
int64_t lf_mono_us(void);

/* Whether the n bytes at s are UTF-8 text: well-formed, no overlong forms
 * or surrogates, and no NUL (which no C string column can hold). */
bool lf_utf8_valid(const char *s, size_t n);

/* Aborts the process with a message: for impossible states only. */
_Noreturn void lf_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
