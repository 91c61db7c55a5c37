/*
 * audit.c - appending to the audit trail and the record hash the sealer
 * (seal.c) chains and verify.c checks.
 */
#include "audit/audit.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workflow/workflow.h"

/* The actions modules record besides the task events ("task.<event>",
 * added below from the workflow table), by area. */
static const char *const actions[] = {
    "auth.login",	  "auth.login_failed", "auth.logout",	     "auth.refresh",
    "auth.refresh_reuse", "user.create",       "user.update",	     "project.create",
    "project.update",	  "member.set",	       "member.remove",	     "import.create",
    "import.done",	  "tasks.create",      "media.import",	     "export.create",
    "escrow.deposit",	  "escrow.refund",     "payout.create",	     "source.create",
    "source.sync",	  "source.sync.done",  "source.delete",	     "task.priority",
    "gold.create",	  "gold.retire",       "member.suspend",     "member.reinstate",
    "token.create",	  "token.revoke",      "ml_backend.connect", "ml_backend.update",
    "ml_backend.delete",  "ml_backend.train",  "ml.predict",	     "export.done",
    "payout.sent",	  "webhook.create",    "webhook.update",     "webhook.delete",
};

static void put_field(crypto_hash_sha256_state *st, const char *name, const char *val);
static void put_int(crypto_hash_sha256_state *st, const char *name, int64_t val);

/*
 * Canonical encoding: name, then the value length-prefixed ("name=5:hello;")
 * or "name=~;" for NULL. Length prefixes make the encoding unambiguous:
 * no choice of field contents can make two different records encode alike.
 */
static void put_field(crypto_hash_sha256_state *st, const char *name, const char *val)
{
	char head[64];
	int n = val == NULL ? snprintf(head, sizeof(head), "%s=~;", name)
			    : snprintf(head, sizeof(head), "%s=%zu:", name, strlen(val));
	crypto_hash_sha256_update(st, (const unsigned char *)head, (unsigned long long)n);
	if (val == NULL)
		return;
	crypto_hash_sha256_update(st, (const unsigned char *)val, strlen(val));
	crypto_hash_sha256_update(st, (const unsigned char *)";", 1);
}

static void put_int(crypto_hash_sha256_state *st, const char *name, int64_t val)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%" PRId64, val);
	put_field(st, name, buf);
}

void lf_audit_hash(const lf_audit_row *row, char out[65])
{
	crypto_hash_sha256_state st;
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_init(&st);
	put_field(&st, "prev", row->prev_hash);
	put_int(&st, "seq", row->seq);
	put_int(&st, "ts", row->ts);
	put_int(&st, "actor", row->actor_id);
	put_field(&st, "role", row->actor_role);
	put_field(&st, "action", row->action);
	put_field(&st, "entity_type", row->entity_type);
	put_field(&st, "entity_id", row->entity_id);
	put_int(&st, "project", row->project_id);
	put_int(&st, "task", row->task_id);
	put_field(&st, "from", row->from_state);
	put_field(&st, "to", row->to_state);
	put_field(&st, "details", row->details);
	crypto_hash_sha256_final(&st, digest);
	sodium_bin2hex(out, 65, digest, sizeof(digest));
}

const char *lf_audit_link_error(const lf_audit_row *row, int64_t expect_seq, const char *prev)
{
	char want[65];
	if (row->seq != expect_seq)
		return "sequence gap: a record was deleted or inserted";
	if (row->prev_hash == NULL || strcmp(row->prev_hash, prev) != 0)
		return "prev_hash does not match the previous record's hash";
	if (row->hash == NULL)
		return "hash missing";
	lf_audit_hash(row, want);
	if (strcmp(want, row->hash) != 0)
		return "hash does not match the record's contents: the record was altered";
	return NULL;
}

int lf_audit_action_at(size_t i, char *buf, size_t len)
{
	if (i < LF_ARRAY_LEN(actions)) {
		snprintf(buf, len, "%s", actions[i]);
		return 1;
	}
	i -= LF_ARRAY_LEN(actions);
	if (i >= LF_EV__COUNT)
		return 0;
	/* tasks.c records every transition as "task.<event>". */
	snprintf(buf, len, "task.%s", lf_wf_event_name((lf_wf_event)i));
	return 1;
}

/* No tail is read: the record gets its seq and hash when it is sealed. */
int lf_audit_append(lf_tx *tx, const lf_audit_event *ev, int64_t *id)
{
	int ret;
	char *details = NULL;
	lf_audit_row row;
	memset(&row, 0, sizeof(row));
	/* Sorted keys and compact separators make the stored text canonical,
	 * so verification hashes exactly the bytes that were stored. */
	if (ev->details != NULL) {
		details = json_dumps(ev->details, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
		if (details == NULL) {
			ret = LF_ERR_NOMEM;
			goto cleanup;
		}
	}
	row.ts = lf_now_ms();
	row.actor_id = ev->actor_id;
	row.actor_role = ev->actor_role;
	row.action = ev->action;
	row.entity_type = ev->entity_type;
	row.entity_id = ev->entity_id;
	row.project_id = ev->project_id;
	row.task_id = ev->task_id;
	row.from_state = ev->from_state;
	row.to_state = ev->to_state;
	row.details = details != NULL ? details : "{}";
	ret = lf_store_audit_insert(tx, &row, id);
cleanup:
	free(details);
	return ret;
}
