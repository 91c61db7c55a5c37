/*
 * users.c - creating accounts.
 */
#include "users/users.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "auth/auth.h"
#include "authz/authz.h"

int lf_users_email_valid(const char *email)
{
	size_t len = strlen(email);
	const char *at = strchr(email, '@');
	if (len < 3 || len > 254 || at == NULL || at == email || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL)
		return 0;
	for (const unsigned char *p = (const unsigned char *)email; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return 0;
	return 1;
}

int lf_users_create(lf_store *s, int64_t actor_id, const char *actor_role, const char *email,
		    const char *name, const char *role, const char *password, int64_t *id,
		    char *err, size_t errlen)
{
	char hash[LF_PASSWORD_HASH_MAX];
	char idbuf[32];
	lf_tx *tx = NULL;
	json_t *details = NULL;
	int ret = LF_ERR_INVALID;
	if (!lf_users_email_valid(email)) {
		snprintf(err, errlen, "email must look like name@example.org");
		goto cleanup;
	}
	if (name[0] == '\0' || strlen(name) > 200) {
		snprintf(err, errlen, "name must be 1 to 200 characters");
		goto cleanup;
	}
	if (!lf_authz_global_role_valid(role)) {
		snprintf(err, errlen,
			 "role must be one of admin, annotator, reviewer, super_reviewer");
		goto cleanup;
	}
	if ((ret = lf_password_hash(password, hash)) != LF_OK) {
		snprintf(err, errlen, "password must be 8 to 1024 characters");
		goto cleanup;
	}
	if ((ret = lf_store_begin(s, 1, NULL, &tx)) != LF_OK)
		goto cleanup;
	if ((ret = lf_store_user_insert(tx, email, name, role, hash, lf_now_ms(), id)) != LF_OK) {
		if (ret == LF_ERR_CONFLICT)
			snprintf(err, errlen, "a user with email %s already exists", email);
		goto cleanup;
	}
	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)*id);
	details = json_pack("{s:s,s:s,s:s}", "email", email, "name", name, "role", role);
	if (details == NULL) {
		ret = LF_ERR_INVALID;
		snprintf(err, errlen, "email and name must be valid UTF-8");
		goto cleanup;
	}
	lf_audit_event ev = {.actor_id = actor_id,
			     .actor_role = actor_role,
			     .action = "user.create",
			     .entity_type = "user",
			     .entity_id = idbuf,
			     .details = details};
	if ((ret = lf_audit_append(tx, &ev, NULL)) != LF_OK)
		goto cleanup;
	ret = lf_store_commit(tx);
	tx = NULL;
cleanup:
	lf_store_rollback(tx);
	json_decref(details);
	sodium_memzero(hash, sizeof(hash));
	return ret;
}
