/*
 * conll.c - conll2003: named-entity spans ("labels" results on a Text
 * object) as one token per line, "TOKEN -X- _ TAG", in BIO tags
 * (B-LABEL on the first token a span touches, I-LABEL on the following
 * ones, O elsewhere). The file opens with "-DOCSTART- -X- -X- O" and a blank
 * line; each task's text is one sentence, closed by a blank line.
 *
 * Tokenization (what a span's tokens are): the text is scanned byte by
 * byte; a token is a maximal run of ASCII letters/digits and UTF-8
 * multibyte sequences (any non-ASCII character counts as a letter, so
 * accented and non-Latin words stay whole), or else a single ASCII
 * punctuation character. ASCII whitespace and control characters separate
 * tokens and are dropped. So "Dr. Smith's" gives "Dr" "." "Smith" "'" "s".
 *
 * Label Studio span offsets count characters (Unicode code points) while
 * the scan walks bytes, so each token also records its code-point range;
 * a token belongs to a span when the two ranges overlap.
 *
 * Spaces inside a label would break the column format; they become "_".
 * Results that are not Text spans (choices, spans on HyperText, images...)
 * are skipped and counted, and so are spans BIO cannot carry: one nested
 * in or overlapping another (each token has one tag; the outer, earlier
 * span keeps its tokens) and one that covers no token.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/export_int.h"

typedef struct span {
	int64_t start, end; /* code points, end exclusive */
	const char *label;
	const json_t *region; /* the result item, to name it when skipped */
	size_t order;	      /* position in the result, to keep sorting stable */
} span;

typedef struct token {
	size_t off, len;      /* bytes of the text */
	int64_t cstart, cend; /* code points, end exclusive */
	const span *owner;    /* the span that tags it, NULL for O */
} token;

typedef struct conll_w {
	const lf_labelcfg_object **objs; /* Text objects that carry NER spans */
	size_t nobjs;
	lf_export_buf out;
	span *spans;
	size_t cap;
	token *toks;
	size_t tcap;
} conll_w;

static int conll_add(lf_export_writer *w, const lf_export_task *t);
static int conll_finish(lf_export_writer *w, lf_export_report *rep);
static void conll_free(lf_export_writer *w);
static int is_target(const conll_w *c, const char *name);
static int find_targets(lf_export_writer *w, conll_w *c);
static int span_cmp(const void *a, const void *b);
static int collect_spans(lf_export_writer *w, const lf_export_task *t, const char *obj, size_t *n);
static int tokenize(conll_w *c, const char *text, size_t len, size_t *ntok);
static size_t first_token_after(const conll_w *c, size_t ntok, int64_t cp);
static void assign_spans(lf_export_writer *w, const lf_export_task *t, size_t nspans, size_t ntok);
static int add_token(lf_export_buf *b, const char *tok, size_t len, const char *prefix,
		     const char *label);
static int write_sentence(lf_export_writer *w, const lf_export_task *t, const char *text,
			  size_t len, size_t nspans);
static int is_word_byte(unsigned char ch);

static const lf_export_vt conll_vt = {conll_add, conll_finish, conll_free};

static int is_target(const conll_w *c, const char *name)
{
	for (size_t i = 0; i < c->nobjs; i++)
		if (strcmp(c->objs[i]->name, name) == 0)
			return 1;
	return 0;
}

/* Text objects named by a Labels control; without any, every Text object,
 * so an accepted but unlabeled text still exports as all-O tokens. */
static int find_targets(lf_export_writer *w, conll_w *c)
{
	const lf_labelcfg *cfg = w->opts.cfg;
	size_t nobj = cfg ? lf_labelcfg_object_count(cfg) : 0;
	size_t nctl = cfg ? lf_labelcfg_control_count(cfg) : 0;
	if (nobj == 0)
		return LF_OK;
	c->objs = calloc(nobj, sizeof(*c->objs));
	if (c->objs == NULL)
		return LF_ERR_NOMEM;
	for (size_t i = 0; i < nctl; i++) {
		const lf_labelcfg_control *ctl = lf_labelcfg_control_at(cfg, i);
		if (strcmp(ctl->type, "labels") != 0)
			continue;
		for (size_t k = 0; k < ctl->to_name_count; k++) {
			const lf_labelcfg_object *o =
			    lf_labelcfg_find_object(cfg, ctl->to_names[k]);
			if (o != NULL && o->media == LF_LABELCFG_MEDIA_TEXT &&
			    !is_target(c, o->name))
				c->objs[c->nobjs++] = o;
		}
	}
	for (size_t i = 0; c->nobjs == 0 && i < nobj; i++) {
		const lf_labelcfg_object *o = lf_labelcfg_object_at(cfg, i);
		if (o->media == LF_LABELCFG_MEDIA_TEXT)
			c->objs[c->nobjs++] = o;
	}
	return LF_OK;
}

int lf_export_new_conll2003(lf_export_writer *w, const char *format)
{
	conll_w *c = calloc(1, sizeof(*c));
	int ret;
	if (c == NULL)
		return LF_ERR_NOMEM;
	w->impl = c;
	w->vt = &conll_vt;
	if ((ret = find_targets(w, c)) != LF_OK)
		return ret;
	return lf_export_puts(w, "-DOCSTART- -X- -X- O\n\n");
}

/* By start, the longer span first when two start together, so an outer
 * entity claims its tokens before the entities nested in it. */
static int span_cmp(const void *a, const void *b)
{
	const span *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end > y->end ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Gathers the valid spans of t's result on object obj into c->spans,
 * sorted by span_cmp. */
static int collect_spans(lf_export_writer *w, const lf_export_task *t, const char *obj, size_t *n)
{
	conll_w *c = w->impl;
	size_t i;
	json_t *r;
	*n = 0;
	json_array_foreach((json_t *)t->result, i, r)
	{
		const json_t *val = json_object_get(r, "value");
		const char *type = json_string_value(json_object_get(r, "type"));
		const char *to = json_string_value(json_object_get(r, "to_name"));
		const char *label =
		    json_string_value(json_array_get(json_object_get(val, "labels"), 0));
		const json_t *st = json_object_get(val, "start"), *en = json_object_get(val, "end");
		if (type == NULL || to == NULL || strcmp(type, "labels") != 0 ||
		    strcmp(to, obj) != 0)
			continue;
		if (label == NULL || !json_is_integer(st) || !json_is_integer(en)) {
			lf_export_skip(w, t, r,
				       "labels results without integer start/end in conll2003");
			continue;
		}
		if (*n == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 16;
			span *p = realloc(c->spans, cap * sizeof(*p));
			if (p == NULL)
				return LF_ERR_NOMEM;
			c->spans = p;
			c->cap = cap;
		}
		c->spans[*n] = (span){json_integer_value(st), json_integer_value(en), label, r, i};
		(*n)++;
	}
	qsort(c->spans, *n, sizeof(*c->spans), span_cmp);
	return LF_OK;
}

static int is_word_byte(unsigned char ch)
{
	return ch >= 0x80 || (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
	       (ch >= 'A' && ch <= 'Z');
}

/* Splits text into c->toks (see the top of the file), all untagged. */
static int tokenize(conll_w *c, const char *text, size_t len, size_t *ntok)
{
	size_t i = 0;
	int64_t cp = 0; /* code-point index of text[i] */
	*ntok = 0;
	while (i < len) {
		unsigned char ch = (unsigned char)text[i];
		size_t start = i;
		int64_t cstart = cp;
		if (ch < 0x80 && !is_word_byte(ch) && (ch <= ' ' || ch == 0x7f)) {
			i++;
			cp++;
			continue;
		}
		if (is_word_byte(ch)) {
			while (i < len && is_word_byte((unsigned char)text[i])) {
				if (((unsigned char)text[i] & 0xC0) != 0x80)
					cp++;
				i++;
			}
		} else {
			i++;
			cp++;
		}
		if (*ntok == c->tcap) {
			size_t cap = c->tcap ? c->tcap * 2 : 64;
			token *p = realloc(c->toks, cap * sizeof(*p));
			if (p == NULL)
				return LF_ERR_NOMEM;
			c->toks = p;
			c->tcap = cap;
		}
		c->toks[(*ntok)++] = (token){start, i - start, cstart, cp, NULL};
	}
	return LF_OK;
}

/* Index of the first token ending after code point cp (tokens are in text
 * order, so their ends increase), ntok when there is none. */
static size_t first_token_after(const conll_w *c, size_t ntok, int64_t cp)
{
	size_t lo = 0, hi = ntok;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->toks[mid].cend <= cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Gives each span the tokens it overlaps. A token carries one tag, so a
 * span touching a token another span already holds (an entity nested in
 * or overlapping another, like LOC "Paris" inside ORG "University of
 * Paris") cannot be written: it is skipped whole rather than cut, and so
 * is a span that covers no token (only spaces, or past the text's end). */
static void assign_spans(lf_export_writer *w, const lf_export_task *t, size_t nspans, size_t ntok)
{
	conll_w *c = w->impl;
	for (size_t s = 0; s < nspans; s++) {
		const span *sp = &c->spans[s];
		size_t first = first_token_after(c, ntok, sp->start), k;
		int taken = 0;
		for (k = first; k < ntok && c->toks[k].cstart < sp->end && !taken; k++)
			taken = c->toks[k].owner != NULL;
		if (taken) {
			lf_export_skip(w, t, sp->region,
				       "labels spans nested in or overlapping another span in "
				       "conll2003");
			continue;
		}
		if (k == first) {
			lf_export_skip(w, t, sp->region,
				       "labels spans covering no token in conll2003");
			continue;
		}
		for (k = first; k < ntok && c->toks[k].cstart < sp->end; k++)
			c->toks[k].owner = sp;
		w->rep.regions++;
	}
}

static int add_token(lf_export_buf *b, const char *tok, size_t len, const char *prefix,
		     const char *label)
{
	int ret;
	if ((ret = lf_export_buf_add(b, tok, len)) != LF_OK ||
	    (ret = lf_export_buf_adds(b, " -X- _ ")) != LF_OK ||
	    (ret = lf_export_buf_adds(b, prefix)) != LF_OK)
		return ret;
	for (const char *p = label; label != NULL && *p != '\0' && ret == LF_OK; p++) {
		char ch = (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') ? '_' : *p;
		ret = lf_export_buf_add(b, &ch, 1);
	}
	return ret == LF_OK ? lf_export_buf_adds(b, "\n") : ret;
}

static int write_sentence(lf_export_writer *w, const lf_export_task *t, const char *text,
			  size_t len, size_t nspans)
{
	conll_w *c = w->impl;
	const span *prev = NULL;
	size_t ntok;
	int ret;
	c->out.len = 0;
	if ((ret = tokenize(c, text, len, &ntok)) != LF_OK)
		return ret;
	assign_spans(w, t, nspans, ntok);
	for (size_t k = 0; k < ntok && ret == LF_OK; k++) {
		const token *tk = &c->toks[k];
		if (tk->owner == NULL)
			ret = add_token(&c->out, text + tk->off, tk->len, "O", NULL);
		else
			ret = add_token(&c->out, text + tk->off, tk->len,
					tk->owner == prev ? "I-" : "B-", tk->owner->label);
		prev = tk->owner;
	}
	if (ret == LF_OK && c->out.len > 0 && (ret = lf_export_buf_adds(&c->out, "\n")) == LF_OK)
		ret = lf_export_put(w, c->out.p, c->out.len);
	return ret;
}

static int conll_add(lf_export_writer *w, const lf_export_task *t)
{
	conll_w *c = w->impl;
	size_t i;
	json_t *r;
	int wrote = 0;
	int ret = LF_OK;
	json_array_foreach((json_t *)t->result, i, r)
	{
		const char *type = json_string_value(json_object_get(r, "type"));
		const char *to = json_string_value(json_object_get(r, "to_name"));
		char why[120];
		if (type != NULL && to != NULL && strcmp(type, "labels") == 0 && is_target(c, to))
			continue;
		snprintf(why, sizeof(why), "%s results in conll2003", type ? type : "untyped");
		lf_export_skip(w, t, r, why);
	}
	for (size_t k = 0; k < c->nobjs && ret == LF_OK; k++) {
		const char *key = c->objs[k]->value;
		const json_t *text;
		size_t n;
		if (key != NULL && key[0] == '$')
			key++;
		text = key ? json_object_get(t->data, key) : NULL;
		if ((ret = collect_spans(w, t, c->objs[k]->name, &n)) != LF_OK)
			break;
		if (!json_is_string(text)) {
			for (size_t s = 0; s < n; s++)
				lf_export_skip(w, t, c->spans[s].region,
					       "labels results on tasks without text in conll2003");
			continue;
		}
		if ((ret = write_sentence(w, t, json_string_value(text), json_string_length(text),
					  n)) != LF_OK)
			break;
		wrote = 1;
	}
	if (ret == LF_OK && wrote)
		w->rep.tasks++;
	return ret;
}

static int conll_finish(lf_export_writer *w, lf_export_report *rep)
{
	return LF_OK;
}

static void conll_free(lf_export_writer *w)
{
	conll_w *c = w->impl;
	if (c == NULL)
		return;
	free(c->objs);
	free(c->spans);
	free(c->toks);
	lf_export_buf_free(&c->out);
	free(c);
	w->impl = NULL;
}
