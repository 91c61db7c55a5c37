/*
 * payout_int.h - the adapter interface; private to src/payout/.
 *
 * payout.c validates items once and dispatches through lf_payout_ops; each
 * adapter embeds struct lf_payout_adapter as the first member of its own
 * struct, so a pointer to one is a pointer to the other. Adapters receive
 * only items that passed lf_payout_item_valid.
 */
#ifndef LF_PAYOUT_INT_H
#define LF_PAYOUT_INT_H

#include "payout/payout.h"

typedef struct lf_payout_ops {
	const char *kind;
	int (*send)(lf_payout_adapter *a, const lf_payout_item *item, char *ref, size_t reflen,
		    char *err, size_t errlen);
	void (*free)(lf_payout_adapter *a);
} lf_payout_ops;

struct lf_payout_adapter {
	const lf_payout_ops *ops;
};

/* The CSV statement adapter (csv.c). */
int lf_payout_csv_new(const json_t *config, lf_payout_adapter **out, char *err, size_t errlen);
/* The signed webhook adapter (webhook.c). */
int lf_payout_webhook_new(const json_t *config, lf_payout_adapter **out, char *err, size_t errlen);
/* Copies value into ref (reflen bytes, NUL-terminated). Returns 1 when it
 * had to be truncated, 0 otherwise. */
int lf_payout_copy_ref(char *ref, size_t reflen, const char *value);

#endif
