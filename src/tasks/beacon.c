/*
 * beacon.c - giving a task back when its page closes for good.
 *
 * A closing page can only send a beacon (navigator.sendBeacon), which
 * carries no Authorization header. So the claim and every heartbeat hand
 * the holder a release URL signed for one stint: task, stint, user and an
 * expiry (the lease's), under an HMAC with a key of its own. The URL can
 * release nothing but that stint, and only while it is active: it is
 * useless to anyone else and useless to its holder once the task moved on.
 *
 * A reload closes the page too, and must find its task (and draft) again;
 * so a beacon does not release at once but asks for a release after the
 * project's release_grace_seconds (per task type if overridden), which the
 * reloaded page's resume (a heartbeat) cancels. The sweeper carries out the releases that come due
 * (sweeper.c), as the holder, through the workflow table like any release.
 */
#include "tasks/tasks_int.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

struct later {
	int64_t user_id, task_id, work_id;
	int64_t grace_ms; /* out */
	lf_error *why;
};

static int later_tx(lf_tx *tx, void *ud);

void lf_tasks_beacon_key(const unsigned char jwt_key[32], unsigned char out[32])
{
	static const char label[] = "labelflow release beacon v1";
	crypto_auth_hmacsha256(out, (const unsigned char *)label, sizeof(label) - 1, jwt_key);
}

void lf_tasks_beacon_sign(const unsigned char key[32], int64_t task_id, int64_t work_id,
			  int64_t user_id, int64_t exp, char hex[65])
{
	char msg[96];
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	int n = snprintf(msg, sizeof(msg), "release.%lld.%lld.%lld.%lld", (long long)task_id,
			 (long long)work_id, (long long)user_id, (long long)exp);
	crypto_auth_hmacsha256(mac, (const unsigned char *)msg, (unsigned long long)n, key);
	sodium_bin2hex(hex, 65, mac, sizeof(mac));
}

int lf_tasks_beacon_check(const unsigned char key[32], int64_t task_id, const char *work,
			  const char *uid, const char *exp, const char *sig, int64_t now,
			  int64_t *work_id, int64_t *user_id)
{
	int64_t w, u, e;
	char want[65];
	if (!lf_parse_pos(work, &w) || !lf_parse_pos(uid, &u) || !lf_parse_pos(exp, &e) ||
	    sig == NULL || strlen(sig) != 64)
		return LF_ERR_FORBIDDEN;
	lf_tasks_beacon_sign(key, task_id, w, u, e, want);
	if (sodium_memcmp(want, sig, 64) != 0 || e < now)
		return LF_ERR_FORBIDDEN;
	*work_id = w;
	*user_id = u;
	return LF_OK;
}

static int later_tx(lf_tx *tx, void *ud)
{
	struct later *l = ud;
	struct op op = {.tx = tx, .why = l->why};
	int ret = lf_tasks_load(&op, l->task_id);
	if (ret != LF_OK)
		return ret;
	l->grace_ms = (int64_t)op.policy.release_grace_seconds * 1000;
	ret = lf_store_work_release_at(tx, l->work_id, l->task_id, l->user_id,
				       lf_now_ms() + l->grace_ms);
	if (ret == LF_ERR_CONFLICT)
		return lf_error_set(l->why, ret, "lease_lost",
				    "This task is no longer held under that release link.");
	if (ret != LF_OK)
		return lf_error_set(l->why, ret, "unavailable", "The database failed.");
	return LF_OK;
}

int lf_tasks_release_later(lf_store *s, lf_arena *a, int64_t user_id, int64_t task_id,
			   int64_t work_id, int64_t *grace_ms, lf_error *why)
{
	struct later l = {.user_id = user_id, .task_id = task_id, .work_id = work_id, .why = why};
	why->reason[0] = '\0';
	int ret = lf_store_write(s, a, later_tx, &l);
	*grace_ms = l.grace_ms;
	if (ret != LF_OK && why->reason[0] == '\0')
		lf_error_set(why, ret, "unavailable", "The change could not be committed.");
	return ret;
}
