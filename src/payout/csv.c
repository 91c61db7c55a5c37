/*
 * csv.c - the statement adapter: finance teams who pay by bank transfer
 * get one RFC 4180 CSV statement per batch instead of an API call.
 *
 * Money never goes through floating point: the decimal column is the
 * integer amount split at the currency's exponent. Statements are opened
 * in spreadsheets, so text that a spreadsheet would evaluate as a formula
 * (names and emails are user input) is neutralised with a leading quote.
 */
#include "payout/payout_int.h"

#include "ledger/ledger.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sink {
	char *buf;
	size_t len;
	size_t pos;
	int full;
};

static void put(struct sink *s, const char *data, size_t n);
static void put_int(struct sink *s, int64_t v, int sep);
static void put_text(struct sink *s, const char *text, int sep);
static void put_amount(struct sink *s, int64_t amount, const char *currency, int sep);
static int csv_send(lf_payout_adapter *a, const lf_payout_item *item, char *ref, size_t reflen,
		    char *err, size_t errlen);
static void csv_free(lf_payout_adapter *a);

static const lf_payout_ops csv_ops = {
    .kind = "csv",
    .send = csv_send,
    .free = csv_free,
};

/* Appends while room remains for the final NUL; afterwards only records
 * that the row did not fit, so the caller checks once at the end. */
static void put(struct sink *s, const char *data, size_t n)
{
	if (s->full || s->len - s->pos <= n) {
		s->full = 1;
		return;
	}
	memcpy(s->buf + s->pos, data, n);
	s->pos += n;
}

static void put_int(struct sink *s, int64_t v, int sep)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%" PRId64, v);
	put(s, num, (size_t)n);
	if (sep)
		put(s, ",", 1);
}

static void put_text(struct sink *s, const char *text, int sep)
{
	const char *t = text != NULL ? text : "";
	int guard = t[0] == '=' || t[0] == '+' || t[0] == '-' || t[0] == '@' || t[0] == '\t' ||
		    t[0] == '\r';
	int quote = strpbrk(t, ",\"\r\n") != NULL;
	if (quote)
		put(s, "\"", 1);
	if (guard)
		put(s, "'", 1);
	for (const char *p = t; *p != '\0'; p++) {
		if (*p == '"')
			put(s, "\"\"", 2);
		else
			put(s, p, 1);
	}
	if (quote)
		put(s, "\"", 1);
	if (sep)
		put(s, ",", 1);
}

static void put_amount(struct sink *s, int64_t amount, const char *currency, int sep)
{
	int exp = lf_ledger_currency_exponent(currency);
	int64_t scale = 1;
	for (int i = 0; i < exp; i++)
		scale *= 10;
	char num[32];
	int n;
	if (exp == 0)
		n = snprintf(num, sizeof(num), "%" PRId64, amount);
	else
		n = snprintf(num, sizeof(num), "%" PRId64 ".%0*" PRId64, amount / scale, exp,
			     amount % scale);
	put(s, num, (size_t)n);
	if (sep)
		put(s, ",", 1);
}

const char *lf_payout_csv_header(void)
{
	return "item_id,batch_id,user_id,email,name,project_id,currency,amount_minor,amount,"
	       "idempotency_key\r\n";
}

int lf_payout_csv_row(char *buf, size_t len, const lf_payout_item *item, size_t *written)
{
	struct sink s = {.buf = buf, .len = len};
	int ret = LF_ERR_INVALID;
	if (written != NULL)
		*written = 0;
	if (lf_payout_item_valid(item, NULL, 0) != LF_OK)
		goto cleanup;
	put_int(&s, item->id, 1);
	put_int(&s, item->batch_id, 1);
	put_int(&s, item->user_id, 1);
	put_text(&s, item->email, 1);
	put_text(&s, item->name, 1);
	put_int(&s, item->project_id, 1);
	put_text(&s, item->currency, 1);
	put_int(&s, item->amount, 1);
	put_amount(&s, item->amount, item->currency, 1);
	put_text(&s, item->idempotency_key, 0);
	put(&s, "\r\n", 2);
	ret = LF_ERR_LIMIT;
	if (s.full)
		goto cleanup;
	buf[s.pos] = '\0';
	if (written != NULL)
		*written = s.pos;
	ret = LF_OK;
cleanup:
	if (ret != LF_OK && len > 0)
		buf[0] = '\0';
	return ret;
}

int lf_payout_csv_new(const json_t *config, lf_payout_adapter **out, char *err, size_t errlen)
{
	if (config != NULL && (!json_is_object(config) || json_object_size(config) > 0)) {
		snprintf(err, errlen, "the csv payout adapter takes no configuration");
		return LF_ERR_INVALID;
	}
	lf_payout_adapter *a = malloc(sizeof(*a));
	if (a == NULL) {
		snprintf(err, errlen, "out of memory creating the csv payout adapter");
		return LF_ERR_NOMEM;
	}
	a->ops = &csv_ops;
	*out = a;
	return LF_OK;
}

/* The statement row is the payment order; the batch's statement is the
 * record that finance pays from, hence the fixed reference. */
static int csv_send(lf_payout_adapter *a, const lf_payout_item *item, char *ref, size_t reflen,
		    char *err, size_t errlen)
{
	lf_payout_copy_ref(ref, reflen, "statement");
	snprintf(err, errlen, "payout item %lld is listed in the statement of batch %lld",
		 (long long)item->id, (long long)item->batch_id);
	return LF_OK;
}

static void csv_free(lf_payout_adapter *a)
{
	free(a);
}
