/*
 * export_int.h - shared between the export dispatcher (export.c) and the
 * per-format writers. Not part of the public API: only src/export/ files
 * include it.
 *
 * A format constructor receives a writer whose opts, out, ud are set and
 * whose rep is zeroed; it sets vt (and impl if it needs state) and may
 * already write a header through lf_export_put. vt->add writes one task,
 * vt->finish writes the trailer (rep is never NULL; the dispatcher copies
 * w->rep into the caller's report after finish, so finish need not fill it),
 * vt->free releases impl (may be NULL; called once, whether or not finish
 * ran). The dispatcher frees the writer itself.
 * Formats count w->rep.tasks / regions / skipped as they go; the helper
 * lf_export_skip counts and names every region a format leaves out.
 */
#ifndef LF_EXPORT_INT_H
#define LF_EXPORT_INT_H

#include <stddef.h>

#include "export/export.h"

typedef struct lf_export_vt {
	int (*add)(lf_export_writer *w, const lf_export_task *t);
	int (*finish)(lf_export_writer *w, lf_export_report *rep);
	void (*free)(lf_export_writer *w);
} lf_export_vt;

struct lf_export_writer {
	const lf_export_vt *vt;
	lf_export_opts opts;
	lf_export_write_fn out;
	void *ud;
	lf_export_report rep;
	void *impl;
	int raw; /* set by a constructor whose format only splices stored JSON text */
};

/* Writes len bytes (or the NUL-terminated s) to the writer's output.
 * Returns the callback's code (LF_OK, or what it returned). */
int lf_export_put(lf_export_writer *w, const void *buf, size_t len);
int lf_export_puts(lf_export_writer *w, const char *s);

/* Counts one skipped region of task t in w->rep, keeps why (a short sentence
 * such as "polygon results in yolo") when it is the first reason, and names
 * the region (its id and first label, from the result item region; NULL
 * when there is no single item) in rep.skipped_regions while there is room.
 * A format never leaves a region out without calling it: an export whose
 * report says skipped 0 carries every region. */
void lf_export_skip(lf_export_writer *w, const lf_export_task *t, const json_t *region,
		    const char *why);

/*
 * Segments of a long recording (media.h) are tasks whose data has
 * "segment_start": seconds on the source's timeline where the segment's
 * file begins (a number, or a numeric string from an outside import).
 * Region times in their results are relative to the segment's file.
 * lf_export_segment_offset returns that offset, 0 for any other task.
 * lf_export_source_block builds what label_studio_json and jsonl add to
 * such a task: {"media": data.source_media, "segment_start",
 * "segment_end", "result": the result with every value.start/value.end
 * moved onto the source's timeline}; NULL for a task that is not a
 * segment (or out of memory). New reference.
 */
int lf_export_is_segment(const json_t *data);
double lf_export_segment_offset(const json_t *data);
json_t *lf_export_source_block(const json_t *data, const json_t *result);
/* sec + offset, rounded to the microsecond so sums read as typed (33, not
 * 33.000000000000007). */
double lf_export_source_time(double sec, double offset);

/* A growable byte string for per-task text (a CSV row, a cue). p is
 * NUL-terminated once anything was added; free with lf_export_buf_free.
 * The add functions return LF_OK or LF_ERR_NOMEM. */
typedef struct lf_export_buf {
	char *p;
	size_t len, cap;
} lf_export_buf;
int lf_export_buf_add(lf_export_buf *b, const void *s, size_t n);
int lf_export_buf_adds(lf_export_buf *b, const char *s);
int lf_export_buf_printf(lf_export_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void lf_export_buf_free(lf_export_buf *b);

/* Format constructors. format is the requested name (csv and tsv share one
 * constructor, webvtt and srt another). Return LF_OK, LF_ERR_NOMEM, or
 * an error from writing a header. */
int lf_export_new_label_studio_json(lf_export_writer *w, const char *format); /* also jsonl */
int lf_export_new_jsonl(lf_export_writer *w, const char *format);
int lf_export_new_csv(lf_export_writer *w, const char *format); /* also tsv */
int lf_export_new_conll2003(lf_export_writer *w, const char *format);
int lf_export_new_webvtt(lf_export_writer *w, const char *format); /* also srt */
int lf_export_new_coco(lf_export_writer *w, const char *format);
int lf_export_new_yolo(lf_export_writer *w, const char *format);
int lf_export_new_voc(lf_export_writer *w, const char *format);

#endif
