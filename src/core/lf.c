#include "core/lf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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
	}
	return "unknown error";
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
