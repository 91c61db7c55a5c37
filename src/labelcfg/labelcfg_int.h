/*
 * labelcfg_int.h - shared by the two halves of src/labelcfg/: parse.c, which
 * builds the model, and validate.c, which checks results against it. Not
 * part of the public API: only src/labelcfg/ files include it.
 */
#ifndef LF_LABELCFG_INT_H
#define LF_LABELCFG_INT_H

#include "labelcfg/labelcfg.h"

#include "core/arena.h"

struct lf_labelcfg {
	lf_arena *arena;
	lf_labelcfg_control *controls;
	size_t control_count;
	lf_labelcfg_object *objects;
	size_t object_count;
	lf_labelcfg_label *labels; /* pool: each control's labels are a slice */
	size_t label_count;
	const lf_labelcfg_label *relations;
	size_t relation_count;
	bool has_relations;
};

/* Writes a sentence naming the problem to err (errlen bytes, NUL-terminated;
 * err may be NULL) and returns LF_ERR_INVALID, so a check can end with
 * `return lf_labelcfg_fail(...)`. */
int lf_labelcfg_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Whether type is the result type of a drawing tool with labels
 * ("rectanglelabels"), which a plain <Labels> on an <Image> produces when
 * paired with that tool; *shape then receives the tool's shape (untouched
 * otherwise). */
bool lf_labelcfg_image_tool(const char *type, lf_labelcfg_shape *shape);

#endif
