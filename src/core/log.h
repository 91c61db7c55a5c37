/*
 * log.h - the process's log on stderr: error and warning messages and the
 * HTTP access log, as text (the default, one "labelflow: ..." line per
 * message) or as one JSON object per line (LABELFLOW_LOG_FORMAT=json), for
 * a collector that would otherwise have to parse free text.
 *
 * The format is chosen once at start (lf_log_init), before any thread
 * runs; a process that never calls it logs text to stderr. Every record is
 * written with one stdio call, so records of concurrent threads never
 * interleave within a line.
 */
#ifndef LF_LOG_H
#define LF_LOG_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

enum lf_log_level { LF_LOG_INFO, LF_LOG_WARN, LF_LOG_ERROR };

/* Sends the log to f (stderr when NULL) in JSON when json is true. Not
 * thread-safe: call it before starting threads. */
void lf_log_init(FILE *f, bool json);
/* Whether records are JSON (callers that build their own, the access
 * log, choose their fields by it). */
bool lf_log_is_json(void);
/*
 * Logs one message. Text: "labelflow: MESSAGE" (warnings say so);
 * JSON: {"time", "level", "msg"}. A message must not end in a newline.
 */
void lf_log(enum lf_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * Writes obj as one JSON line, after a "time" and a "level" (JSON format
 * only; text callers print their own line with lf_log_line). Steals the
 * reference to obj.
 */
void lf_log_json(enum lf_log_level level, json_t *obj);
/* Writes one preformatted text line (a newline is added). */
void lf_log_line(const char *line);

#endif
