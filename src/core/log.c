/*
 * log.c - the log's two formats (see log.h). The stream and format are
 * plain globals because they are set once before any thread starts and
 * only read afterwards.
 */
#include "core/log.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/lf.h"

static FILE *log_stream(void);
static const char *level_name(enum lf_log_level level);
static void iso_now(char out[32]);

static FILE *log_file;
static bool log_json;

static FILE *log_stream(void)
{
	return log_file != NULL ? log_file : stderr;
}

static const char *level_name(enum lf_log_level level)
{
	switch (level) {
	case LF_LOG_INFO: return "info";
	case LF_LOG_WARN: return "warn";
	case LF_LOG_ERROR: return "error";
	}
	return "error";
}

/* UTC with milliseconds: what collectors parse without configuration. */
static void iso_now(char out[32])
{
	int64_t ms = lf_now_ms();
	time_t sec = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&sec, &tm);
	size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03dZ", (int)(ms % 1000));
}

void lf_log_init(FILE *f, bool json)
{
	log_file = f;
	log_json = json;
}

bool lf_log_is_json(void)
{
	return log_json;
}

void lf_log(enum lf_log_level level, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_json) {
		/* A message may quote input that is not UTF-8 (a path, a
		 * driver's error): jansson would refuse it, so it is dropped
		 * to its length rather than losing the record. */
		json_t *m = json_string(msg);
		if (m == NULL)
			m = json_sprintf("(%zu bytes that are not UTF-8)", strlen(msg));
		lf_log_json(level, json_pack("{s:o}", "msg", m));
		return;
	}
	fprintf(log_stream(), "labelflow: %s%s\n", level == LF_LOG_WARN ? "warning: " : "", msg);
}

void lf_log_json(enum lf_log_level level, json_t *obj)
{
	char when[32];
	if (obj == NULL)
		return;
	iso_now(when);
	/* time and level first, where a reader's eye starts. */
	json_t *rec = json_pack("{s:s,s:s}", "time", when, "level", level_name(level));
	char *text = NULL;
	if (rec != NULL && json_object_update(rec, obj) == 0)
		text = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
	json_decref(rec);
	json_decref(obj);
	if (text == NULL)
		return;
	fprintf(log_stream(), "%s\n", text);
	free(text);
}

void lf_log_line(const char *line)
{
	fprintf(log_stream(), "%s\n", line);
}
