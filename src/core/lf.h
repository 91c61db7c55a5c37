/*
 * lf.h - definitions shared by every LabelFlow module.
 *
 * Every fallible function returns an lf_err: LF_OK (0) on success, a
 * negative code otherwise. Callers propagate codes unchanged. Where a
 * failure has more to say than its code (which field, which rule), the
 * function also fills an lf_error: the one value a failure travels in from
 * where it happened to the HTTP response, whose status only
 * lf_http_status (http/) derives from the code.
 */
#ifndef LF_H
#define LF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum lf_err {
	LF_OK = 0,
	LF_ERR_NOMEM = -1,	/* allocation failed */
	LF_ERR_INVALID = -2,	/* malformed or semantically invalid input */
	LF_ERR_NOTFOUND = -3,	/* the entity does not exist (or is hidden) */
	LF_ERR_CONFLICT = -4,	/* wrong state, duplicate key, lost lease */
	LF_ERR_DB = -5,		/* database failure */
	LF_ERR_AUTH = -6,	/* missing, forged or expired credentials */
	LF_ERR_FORBIDDEN = -7,	/* authenticated but not allowed */
	LF_ERR_LIMIT = -8,	/* rate limit or size limit exceeded */
	LF_ERR_IO = -9,		/* file or network I/O failure */
	LF_ERR_FUNDS = -10,	/* escrow cannot cover the operation */
	LF_ERR_INTERNAL = -11,	/* a bug: an impossible state */
	LF_ERR_MALFORMED = -12, /* unreadable request: bad JSON, query, text */
	LF_ERR_TOO_LARGE = -13, /* a body or field over its limit */
	LF_ERR_MEDIA = -14,	/* a body of a type the endpoint does not take */
	LF_ERR_METHOD = -15,	/* the resource exists, the method does not */
	LF_ERR_GONE = -16,	/* it existed and was removed for good */
	LF_ERR_FULL = -17,	/* storage cannot take more */
	LF_ERR_RANGE = -18	/* a byte range outside the resource */
} lf_err;

/*
 * A failure with its words: code decides what the client is told by status
 * (see lf_http_status), reason is a stable snake_case name clients can
 * branch on ("lease_lost", "missing_field"), message a sentence for people.
 * An empty reason means nobody described the failure yet: the code's
 * generic words are used. details lists every problem when there are
 * several (all the invalid keys of one object, not just the first), one
 * per line; the API renders them as error.details.
 */
typedef struct lf_error {
	int code;
	char reason[48];
	char message[256];
	char details[1024];
} lf_error;

/* Fills e (may be NULL) and returns code, so a failure is described and
 * returned in one statement: `return lf_error_set(e, LF_ERR_INVALID, ...)`. */
int lf_error_set(lf_error *e, int code, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The same with a va_list, for functions that describe and then do more. */
int lf_error_vset(lf_error *e, int code, const char *reason, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
/* Appends one problem to e->details (setting e clears them); a problem
 * that does not fit is left out, the message still counts it. */
void lf_error_add_detail(lf_error *e, const char *problem);
/* Describes e with the generic words of code unless whoever failed first
 * described it already (then e keeps its own code, which is returned).
 * what names the thing ("project") or is NULL. */
int lf_error_default(lf_error *e, int code, const char *what);

/* Returns a static, human-readable name for an error code. */
const char *lf_err_str(int err);

#define LF_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Current wall-clock time in milliseconds / microseconds since the epoch. */
int64_t lf_now_ms(void);
int64_t lf_now_us(void);
/* Monotonic clock in microseconds, for durations. */
int64_t lf_mono_us(void);

/* 1 when s is a decimal int64 > 0 and nothing else (no sign, no space),
 * stored in *out; else 0. For ids and times taken from URLs. */
int lf_parse_pos(const char *s, int64_t *out);

/* Whether the n bytes at s are UTF-8 text: well-formed, no overlong forms
 * or surrogates, and no NUL (which no C string column can hold). */
bool lf_utf8_valid(const char *s, size_t n);
/* The code points of the n bytes at s into out (room for n of them);
 * returns how many. For text lf_utf8_valid accepted; any other byte,
 * including one of a sequence cut short at the end, counts as one code
 * point of its own value, so the count is defined for any input. */
size_t lf_utf8_decode(const char *s, size_t n, uint32_t *out);

/* Aborts the process with a message: for impossible states only. */
_Noreturn void lf_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
