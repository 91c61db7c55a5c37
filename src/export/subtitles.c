/*
 * subtitles.c - webvtt and srt: transcripts of audio/video as timed cues.
 *
 * A cue is a TextArea region with value.start/value.end in seconds and
 * value.text (lines). In Label Studio's per-region transcription setup the
 * TextArea result shares its region id with a Labels result on the same
 * span; that label names the speaker and becomes a WebVTT voice
 * ("<v Speaker>") or an SRT "Speaker: " prefix. A Labels region with
 * start/end but no TextArea becomes a cue only when it carries its own
 * value.text.
 *
 * Long recordings are split into segment tasks whose data has
 * "segment_start" (seconds into the source; lf_export_segment_offset).
 * Adding it to every cue puts
 * the segments back on the source's timeline; tasks arrive ordered by id,
 * which is the segment order, so sorting each task's cues by start is
 * enough for a monotonic file. SRT numbers cues continuously across tasks.
 *
 * Blank lines end a cue in both formats, so empty lines inside a text are
 * dropped; VTT text escapes & < > (which also keeps "-->" out of it).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "export/export_int.h"

typedef struct cue {
	int64_t start_ms, end_ms;
	size_t order;	    /* position in the result, for a stable sort */
	const char *id;	    /* region id, to find the speaker label */
	const json_t *text; /* array of lines or a string */
	const char *speaker;
	/* The result items the cue stands for: the transcription (or a Labels
	 * region with its own text) and the speaker's Labels item, if any. */
	const json_t *region, *speaker_region;
} cue;

typedef struct sub_w {
	int srt;
	const char *name; /* format name for skip reasons */
	int64_t seq;	  /* last SRT cue number */
	cue *cues;
	size_t cap;
	lf_export_buf out;
} sub_w;

static int sub_add(lf_export_writer *w, const lf_export_task *t);
static int sub_finish(lf_export_writer *w, lf_export_report *rep);
static void sub_free(lf_export_writer *w);
static int cue_cmp(const void *a, const void *b);
static int64_t to_ms(double sec, double offset);
static int fmt_time(lf_export_buf *b, int64_t ms, char sep);
static int add_escaped(lf_export_buf *b, const char *s, size_t len, int vtt);
static int add_text(lf_export_buf *b, const json_t *text, int vtt);
static int push_cue(sub_w *s, size_t *n, const cue *c);
static int write_cue(lf_export_writer *w, const lf_export_task *t, const cue *c);
static void skip_type(lf_export_writer *w, const lf_export_task *t, const json_t *region,
		      const char *what);

static const lf_export_vt sub_vt = {sub_add, sub_finish, sub_free};

int lf_export_new_webvtt(lf_export_writer *w, const char *format)
{
	sub_w *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return LF_ERR_NOMEM;
	s->srt = format != NULL && strcmp(format, "srt") == 0;
	s->name = s->srt ? "srt" : "webvtt";
	w->impl = s;
	w->vt = &sub_vt;
	return s->srt ? LF_OK : lf_export_puts(w, "WEBVTT\n\n");
}

static void skip_type(lf_export_writer *w, const lf_export_task *t, const json_t *region,
		      const char *what)
{
	sub_w *s = w->impl;
	char why[160];
	snprintf(why, sizeof(why), "%s in %s", what, s->name);
	lf_export_skip(w, t, region, why);
}

static int cue_cmp(const void *a, const void *b)
{
	const cue *x = a, *y = b;
	if (x->start_ms != y->start_ms)
		return x->start_ms < y->start_ms ? -1 : 1;
	if (x->end_ms != y->end_ms)
		return x->end_ms < y->end_ms ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int64_t to_ms(double sec, double offset)
{
	double ms = (sec + offset) * 1000.0;
	if (!(ms > 0))
		return 0;
	return (int64_t)llround(ms);
}

static int fmt_time(lf_export_buf *b, int64_t ms, char sep)
{
	return lf_export_buf_printf(b, "%02lld:%02lld:%02lld%c%03lld", (long long)(ms / 3600000),
				    (long long)(ms / 60000 % 60), (long long)(ms / 1000 % 60), sep,
				    (long long)(ms % 1000));
}

/* Appends one line without CR, escaped for VTT when vtt is set. */
static int add_escaped(lf_export_buf *b, const char *s, size_t len, int vtt)
{
	int ret = LF_OK;
	for (size_t i = 0; i < len && ret == LF_OK; i++) {
		if (s[i] == '\r')
			continue;
		if (vtt && s[i] == '&')
			ret = lf_export_buf_adds(b, "&amp;");
		else if (vtt && s[i] == '<')
			ret = lf_export_buf_adds(b, "&lt;");
		else if (vtt && s[i] == '>')
			ret = lf_export_buf_adds(b, "&gt;");
		else
			ret = lf_export_buf_add(b, &s[i], 1);
	}
	return ret;
}

/* Appends the non-blank lines of text (an array of strings or a string)
 * separated by newlines; nothing when all are blank. */
static int add_text(lf_export_buf *b, const json_t *text, int vtt)
{
	size_t n = json_is_array(text) ? json_array_size(text) : 1;
	size_t first = b->len;
	int ret = LF_OK;
	for (size_t i = 0; i < n && ret == LF_OK; i++) {
		const json_t *item = json_is_array(text) ? json_array_get(text, i) : text;
		const char *p = json_string_value(item);
		const char *end = p ? p + json_string_length(item) : NULL;
		while (p != NULL && p < end && ret == LF_OK) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const char *stop = nl ? nl : end;
			if (strspn(p, " \t\r") < (size_t)(stop - p)) {
				if (b->len > first)
					ret = lf_export_buf_adds(b, "\n");
				if (ret == LF_OK)
					ret = add_escaped(b, p, (size_t)(stop - p), vtt);
			}
			p = nl ? nl + 1 : end;
		}
	}
	return ret;
}

static int push_cue(sub_w *s, size_t *n, const cue *c)
{
	if (*n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		cue *p = realloc(s->cues, cap * sizeof(*p));
		if (p == NULL)
			return LF_ERR_NOMEM;
		s->cues = p;
		s->cap = cap;
	}
	s->cues[(*n)++] = *c;
	return LF_OK;
}

static int write_cue(lf_export_writer *w, const lf_export_task *t, const cue *c)
{
	sub_w *s = w->impl;
	size_t text_at;
	int ret = LF_OK;
	s->out.len = 0;
	if (s->srt &&
	    (ret = lf_export_buf_printf(&s->out, "%lld\n", (long long)s->seq + 1)) != LF_OK)
		return ret;
	if ((ret = fmt_time(&s->out, c->start_ms, s->srt ? ',' : '.')) != LF_OK ||
	    (ret = lf_export_buf_adds(&s->out, " --> ")) != LF_OK ||
	    (ret = fmt_time(&s->out, c->end_ms, s->srt ? ',' : '.')) != LF_OK ||
	    (ret = lf_export_buf_adds(&s->out, "\n")) != LF_OK)
		return ret;
	if (c->speaker != NULL) {
		ret = lf_export_buf_adds(&s->out, s->srt ? "" : "<v ");
		if (ret == LF_OK)
			ret = add_escaped(&s->out, c->speaker, strlen(c->speaker), !s->srt);
		if (ret == LF_OK)
			ret = lf_export_buf_adds(&s->out, s->srt ? ": " : ">");
	}
	text_at = s->out.len;
	if (ret == LF_OK)
		ret = add_text(&s->out, c->text, !s->srt);
	if (ret != LF_OK)
		return ret;
	if (s->out.len == text_at) {
		skip_type(w, t, c->region, "empty transcriptions");
		if (c->speaker_region != NULL)
			skip_type(w, t, c->speaker_region, "empty transcriptions");
		return LF_OK;
	}
	if ((ret = lf_export_buf_adds(&s->out, "\n\n")) != LF_OK ||
	    (ret = lf_export_put(w, s->out.p, s->out.len)) != LF_OK)
		return ret;
	s->seq++;
	w->rep.regions += c->speaker_region != NULL ? 2 : 1;
	return LF_OK;
}

static int sub_add(lf_export_writer *w, const lf_export_task *t)
{
	sub_w *s = w->impl;
	double offset = lf_export_segment_offset(t->data);
	size_t n = 0, ncues, i;
	json_t *r;
	int ret = LF_OK;
	json_array_foreach((json_t *)t->result, i, r)
	{
		const json_t *val = json_object_get(r, "value");
		const char *type = json_string_value(json_object_get(r, "type"));
		const json_t *st = json_object_get(val, "start"), *en = json_object_get(val, "end");
		cue c = {0};
		if (type != NULL && strcmp(type, "labels") == 0)
			continue;
		if (type == NULL || strcmp(type, "textarea") != 0) {
			char what[120];
			snprintf(what, sizeof(what), "%s results", type ? type : "untyped");
			skip_type(w, t, r, what);
			continue;
		}
		if (!json_is_number(st) || !json_is_number(en)) {
			skip_type(w, t, r, "textarea results without start/end");
			continue;
		}
		c.start_ms = to_ms(json_number_value(st), offset);
		c.end_ms = to_ms(json_number_value(en), offset);
		c.order = i;
		c.region = r;
		c.id = json_string_value(json_object_get(r, "id"));
		c.text = json_object_get(val, "text");
		if ((ret = push_cue(s, &n, &c)) != LF_OK)
			return ret;
	}
	ncues = n;
	json_array_foreach((json_t *)t->result, i, r)
	{
		const json_t *val = json_object_get(r, "value");
		const char *type = json_string_value(json_object_get(r, "type"));
		const char *id = json_string_value(json_object_get(r, "id"));
		const char *label =
		    json_string_value(json_array_get(json_object_get(val, "labels"), 0));
		const json_t *st = json_object_get(val, "start"), *en = json_object_get(val, "end");
		const json_t *text = json_object_get(val, "text");
		size_t k;
		cue c = {0};
		if (type == NULL || strcmp(type, "labels") != 0)
			continue;
		for (k = 0; id != NULL && k < ncues; k++)
			if (s->cues[k].id != NULL && s->cues[k].speaker == NULL &&
			    strcmp(s->cues[k].id, id) == 0)
				break;
		if (id != NULL && k < ncues && label != NULL) {
			s->cues[k].speaker = label;
			s->cues[k].speaker_region = r;
			continue;
		}
		if (!json_is_number(st) || !json_is_number(en) || !json_is_string(text)) {
			skip_type(w, t, r, "labels regions without a transcription");
			continue;
		}
		c.start_ms = to_ms(json_number_value(st), offset);
		c.end_ms = to_ms(json_number_value(en), offset);
		c.order = i;
		c.text = text;
		c.speaker = label;
		c.region = r;
		if ((ret = push_cue(s, &n, &c)) != LF_OK)
			return ret;
	}
	qsort(s->cues, n, sizeof(*s->cues), cue_cmp);
	for (size_t k = 0; k < n && ret == LF_OK; k++) {
		if (s->cues[k].end_ms < s->cues[k].start_ms)
			s->cues[k].end_ms = s->cues[k].start_ms;
		ret = write_cue(w, t, &s->cues[k]);
	}
	if (ret == LF_OK)
		w->rep.tasks++;
	return ret;
}

static int sub_finish(lf_export_writer *w, lf_export_report *rep)
{
	return LF_OK;
}

static void sub_free(lf_export_writer *w)
{
	sub_w *s = w->impl;
	if (s == NULL)
		return;
	free(s->cues);
	lf_export_buf_free(&s->out);
	free(s);
	w->impl = NULL;
}
