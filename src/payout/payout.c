/*
 * payout.c - the adapter-independent half of payouts: item validation,
 * the registry of adapter kinds and dispatch.
 *
 * Items are validated here, once, so no adapter can put an unchecked key
 * into an HTTP header or a non-positive amount into a statement.
 */
#include "payout/payout_int.h"

#include <stdio.h>
#include <string.h>

struct kind {
	const char *name;
	int (*create)(const json_t *config, lf_payout_adapter **out, char *err, size_t errlen);
};

static const struct kind kinds[] = {
    {"csv", lf_payout_csv_new},
    {"webhook", lf_payout_webhook_new},
};

static int is_currency(const char *c);
static int is_header_token(const char *s);

static int is_currency(const char *c)
{
	if (c == NULL)
		return 0;
	for (int i = 0; i < 3; i++)
		if (c[i] < 'A' || c[i] > 'Z')
			return 0;
	return c[3] == '\0';
}

static int is_header_token(const char *s)
{
	size_t n = 0;
	for (; s[n] != '\0'; n++) {
		if (n >= LF_PAYOUT_KEY_MAX || s[n] <= ' ' || s[n] > '~')
			return 0;
	}
	return n > 0;
}

int lf_payout_item_valid(const lf_payout_item *item, char *err, size_t errlen)
{
	if (item == NULL) {
		snprintf(err, errlen, "no payout item given");
		return LF_ERR_INVALID;
	}
	if (item->id <= 0 || item->batch_id <= 0 || item->user_id <= 0 || item->project_id <= 0) {
		snprintf(err, errlen, "payout item %lld has a missing or non-positive id",
			 (long long)item->id);
		return LF_ERR_INVALID;
	}
	if (item->amount <= 0) {
		snprintf(err, errlen, "payout item %lld has a non-positive amount (%lld)",
			 (long long)item->id, (long long)item->amount);
		return LF_ERR_INVALID;
	}
	if (!is_currency(item->currency)) {
		snprintf(err, errlen, "payout item %lld has no ISO 4217 currency code",
			 (long long)item->id);
		return LF_ERR_INVALID;
	}
	if (item->idempotency_key == NULL || !is_header_token(item->idempotency_key)) {
		snprintf(err, errlen,
			 "payout item %lld needs an idempotency key of 1 to %d visible ASCII "
			 "characters",
			 (long long)item->id, LF_PAYOUT_KEY_MAX);
		return LF_ERR_INVALID;
	}
	return LF_OK;
}

int lf_payout_adapter_new(const char *kind, const json_t *config, lf_payout_adapter **out,
			  char *err, size_t errlen)
{
	*out = NULL;
	if (kind == NULL) {
		snprintf(err, errlen, "no payout adapter kind given");
		return LF_ERR_INVALID;
	}
	for (size_t i = 0; i < LF_ARRAY_LEN(kinds); i++) {
		if (strcmp(kind, kinds[i].name) == 0)
			return kinds[i].create(config, out, err, errlen);
	}
	snprintf(err, errlen, "unknown payout adapter kind '%.32s' (expected csv or webhook)",
		 kind);
	return LF_ERR_INVALID;
}

void lf_payout_adapter_free(lf_payout_adapter *a)
{
	if (a != NULL)
		a->ops->free(a);
}

const char *lf_payout_adapter_kind(const lf_payout_adapter *a)
{
	return a->ops->kind;
}

int lf_payout_send(lf_payout_adapter *a, const lf_payout_item *item, char *external_ref,
		   size_t reflen, char *err, size_t errlen)
{
	if (reflen > 0)
		external_ref[0] = '\0';
	int ret = lf_payout_item_valid(item, err, errlen);
	if (ret != LF_OK)
		return ret;
	return a->ops->send(a, item, external_ref, reflen, err, errlen);
}

int lf_payout_copy_ref(char *ref, size_t reflen, const char *value)
{
	if (reflen == 0)
		return value[0] != '\0';
	size_t n = strlen(value);
	int truncated = n >= reflen;
	if (truncated)
		n = reflen - 1;
	memcpy(ref, value, n);
	ref[n] = '\0';
	return truncated;
}
