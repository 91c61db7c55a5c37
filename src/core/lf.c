#include "core/lf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *lf_err_str(int err)
{
	switch (err) {
	case LF_OK: return "ok";
	case LF_ERR_NOMEM: return "out of memory";
	case LF_ERR_INVALID: return "invalid input";
	case LF_ERR_NOTFOUND: return "not found";
	case LF_ERR_CONFLICT: return "conflict";
	case LF_ERR_DB: return "database error";
	case LF_ERR_AUTH: return "authentication failed";
	case LF_ERR_FORBIDDEN: return "forbidden";
	case LF_ERR_LIMIT: return "limit exceeded";
	case LF_ERR_IO: return "i/o error";
	case LF_ERR_FUNDS: return "insufficient funds";
	case LF_ERR_INTERNAL: return "internal error";
	case LF_ERR_MALFORMED: return "malformed request";
	case LF_ERR_TOO_LARGE: return "too large";
	case LF_ERR_MEDIA: return "unsupported media type";
	case LF_ERR_METHOD: return "method not allowed";
	case LF_ERR_GONE: return "gone";
	case LF_ERR_FULL: return "storage full";
	case LF_ERR_RANGE: return "range not satisfiable";
	}
	return "unknown error";
}

int lf_parse_pos(const char *s, int64_t *out)
{
	char *end;
	if (s == NULL || *s < '0' || *s > '9')
		return 0;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v <= 0)
		return 0;
	*out = v;
	return 1;
}

int64_t lf_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t lf_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t lf_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void lf_fatal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("labelflow: fatal: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

int lf_error_vset(lf_error *e, int code, const char *reason, const char *fmt, va_list ap)
{
	if (e == NULL)
		return code;
	e->code = code;
	snprintf(e->reason, sizeof(e->reason), "%s", reason);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	e->details[0] = '\0';
	return code;
}

void lf_error_add_detail(lf_error *e, const char *problem)
{
	size_t len = strlen(e->details), n = strlen(problem);
	if (len + n + 2 > sizeof(e->details))
		return;
	if (len > 0)
		e->details[len++] = '\n';
	memcpy(e->details + len, problem, n + 1);
}

int lf_error_set(lf_error *e, int code, const char *reason, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	lf_error_vset(e, code, reason, fmt, ap);
	va_end(ap);
	return code;
}

int lf_error_default(lf_error *e, int code, const char *what)
{
	const char *w = what != NULL ? what : "resource";
	if (e == NULL)
		return code;
	if (e->reason[0] != '\0')
		return e->code;
	switch (code) {
	case LF_ERR_NOTFOUND: return lf_error_set(e, code, "not_found", "The %s was not found.", w);
	case LF_ERR_INVALID: return lf_error_set(e, code, "invalid", "The %s is not valid.", w);
	case LF_ERR_MALFORMED:
		return lf_error_set(e, code, "bad_request", "The request cannot be read.");
	case LF_ERR_CONFLICT:
		return lf_error_set(e, code, "conflict", "The %s conflicts with the current state.",
				    w);
	case LF_ERR_AUTH:
		return lf_error_set(e, code, "unauthorized", "Authentication is required.");
	case LF_ERR_FORBIDDEN: return lf_error_set(e, code, "forbidden", "You may not do this.");
	case LF_ERR_LIMIT: return lf_error_set(e, code, "rate_limited", "Too many requests.");
	case LF_ERR_TOO_LARGE:
		return lf_error_set(e, code, "payload_too_large", "The %s is too large.", w);
	case LF_ERR_MEDIA:
		return lf_error_set(e, code, "unsupported_media_type",
				    "This endpoint does not take that content type.");
	case LF_ERR_METHOD:
		return lf_error_set(e, code, "method_not_allowed",
				    "That method is not allowed here.");
	case LF_ERR_GONE: return lf_error_set(e, code, "gone", "The %s is no longer available.", w);
	case LF_ERR_FUNDS:
		return lf_error_set(e, code, "insufficient_funds", "The escrow cannot cover this.");
	case LF_ERR_DB:
		return lf_error_set(e, code, "unavailable",
				    "The database is unavailable; try again.");
	case LF_ERR_FULL:
		return lf_error_set(e, code, "storage_full", "The storage cannot take more.");
	case LF_ERR_RANGE:
		return lf_error_set(e, code, "range_not_satisfiable",
				    "The requested range lies outside the %s.", w);
	default: return lf_error_set(e, code, "internal", "Internal error (%s).", lf_err_str(code));
	}
}
