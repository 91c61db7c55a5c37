/*
 * tokens.c - personal access tokens: creation and revocation (audited,
 * one write transaction each) and the checks of a presented token.
 */
#include "tokens/tokens.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "authz/authz.h"

struct create_op {
	const lf_user *owner;
	lf_api_token *row;
	const char *hash;
	lf_error *err;
};

struct revoke_op {
	int64_t actor_id, owner_id, id, now;
	const char *actor_role;
	lf_error *err;
};

static void hash_secret(const char *secret, char hex[LF_PAT_HASH_SIZE]);
static int create_tx(lf_tx *tx, void *ud);
static int revoke_tx(lf_tx *tx, void *ud);
static int touch_tx(lf_tx *tx, void *ud);
static int audit(lf_tx *tx, int64_t actor_id, const char *actor_role, const char *action,
		 const lf_api_token *t);

#define TOUCH_EVERY_MS 60000

static void hash_secret(const char *secret, char hex[LF_PAT_HASH_SIZE])
{
	unsigned char digest[crypto_generichash_BYTES];
	crypto_generichash(digest, sizeof(digest), (const unsigned char *)secret, strlen(secret),
			   NULL, 0);
	sodium_bin2hex(hex, LF_PAT_HASH_SIZE, digest, sizeof(digest));
}

/* The record names the token by its public prefix; neither the secret
 * nor its hash ever enters the trail. */
static int audit(lf_tx *tx, int64_t actor_id, const char *actor_role, const char *action,
		 const lf_api_token *t)
{
	char idbuf[32];
	json_t *projects = t->project_ids != NULL ? json_loads(t->project_ids, 0, NULL) : NULL;
	json_t *details =
	    json_pack("{s:I,s:s,s:s,s:s,s:o?}", "user_id", (json_int_t)t->user_id, "name", t->name,
		      "prefix", t->prefix, "role", t->role, "project_ids", projects);
	int ret;
	if (details == NULL)
		return LF_ERR_NOMEM;
	if (t->expires_at != 0)
		json_object_set_new(details, "expires_at", json_integer(t->expires_at));
	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)t->id);
	lf_audit_event ev = {.actor_id = actor_id,
			     .actor_role = actor_role,
			     .action = action,
			     .entity_type = "api_token",
			     .entity_id = idbuf,
			     .details = details};
	ret = lf_audit_append(tx, &ev, NULL);
	json_decref(details);
	return ret;
}

static int create_tx(lf_tx *tx, void *ud)
{
	struct create_op *op = ud;
	int64_t live = 0;
	int ret = lf_store_token_count(tx, op->owner->id, &live);
	if (ret == LF_OK && live >= LF_PAT_MAX_LIVE)
		return lf_error_set(op->err, LF_ERR_CONFLICT, "too_many_tokens",
				    "You have %d API tokens; revoke one to create another.",
				    LF_PAT_MAX_LIVE);
	if (ret == LF_OK)
		ret = lf_store_token_insert(tx, op->row, op->hash, &op->row->id);
	if (ret != LF_OK)
		return ret;
	return audit(tx, op->owner->id, op->owner->role, "token.create", op->row);
}

int lf_tokens_create(lf_store *s, lf_arena *a, const lf_user *owner, const lf_token_spec *spec,
		     lf_api_token *out, char token[LF_PAT_SIZE], lf_error *err)
{
	unsigned char raw_id[LF_PAT_ID_LEN / 2], raw_secret[LF_PAT_SECRET_LEN / 2];
	char prefix[LF_PAT_ID_LEN + 1], secret[LF_PAT_SECRET_LEN + 1], hash[LF_PAT_HASH_SIZE];
	const char *role = spec->role != NULL ? spec->role : owner->role;
	struct create_op op = {.owner = owner, .row = out, .hash = hash, .err = err};
	int ret;
	memset(out, 0, sizeof(*out));
	if (!lf_authz_global_role_valid(role) ||
	    (strcmp(role, "admin") == 0 && strcmp(owner->role, "admin") != 0)) {
		ret = lf_error_set(err, LF_ERR_INVALID, "invalid_token_role",
				   "role must be one of annotator, reviewer, super_reviewer"
				   "%s.",
				   strcmp(owner->role, "admin") == 0 ? ", admin" : "");
		goto cleanup;
	}
	if (sodium_init() < 0) {
		ret = LF_ERR_INTERNAL;
		goto cleanup;
	}
	randombytes_buf(raw_id, sizeof(raw_id));
	randombytes_buf(raw_secret, sizeof(raw_secret));
	sodium_bin2hex(prefix, sizeof(prefix), raw_id, sizeof(raw_id));
	sodium_bin2hex(secret, sizeof(secret), raw_secret, sizeof(raw_secret));
	hash_secret(secret, hash);
	out->user_id = owner->id;
	out->name = spec->name;
	out->role = role;
	out->project_ids = spec->project_ids;
	out->expires_at = spec->expires_at;
	out->created_at = lf_now_ms();
	if ((out->prefix = lf_arena_strdup(a, prefix)) == NULL) {
		ret = LF_ERR_NOMEM;
		goto cleanup;
	}
	if ((ret = lf_store_write(s, a, create_tx, &op)) != LF_OK)
		goto cleanup;
	snprintf(token, LF_PAT_SIZE, LF_PAT_PREFIX "%s_%s", prefix, secret);

cleanup:
	sodium_memzero(raw_secret, sizeof(raw_secret));
	sodium_memzero(secret, sizeof(secret));
	return ret;
}

static int revoke_tx(lf_tx *tx, void *ud)
{
	struct revoke_op *op = ud;
	lf_api_token t;
	int64_t changes = 0;
	int ret = lf_store_token_get(tx, op->id, &t);
	if (ret == LF_OK && op->owner_id != 0 && t.user_id != op->owner_id)
		ret = LF_ERR_NOTFOUND;
	if (ret == LF_OK)
		ret = lf_store_token_revoke(tx, op->id, op->now, &changes);
	if (ret == LF_OK && changes == 0)
		ret = LF_ERR_NOTFOUND;
	if (ret == LF_ERR_NOTFOUND)
		return lf_error_set(op->err, ret, "not_found", "No such token.");
	if (ret != LF_OK)
		return ret;
	t.revoked_at = op->now;
	return audit(tx, op->actor_id, op->actor_role, "token.revoke", &t);
}

int lf_tokens_revoke(lf_store *s, int64_t actor_id, const char *actor_role, int64_t owner_id,
		     int64_t id, lf_error *err)
{
	struct revoke_op op = {.actor_id = actor_id,
			       .owner_id = owner_id,
			       .id = id,
			       .now = lf_now_ms(),
			       .actor_role = actor_role,
			       .err = err};
	return lf_store_write(s, NULL, revoke_tx, &op);
}

struct touch_op {
	int64_t id, now;
};

static int touch_tx(lf_tx *tx, void *ud)
{
	struct touch_op *op = ud;
	return lf_store_token_touch(tx, op->id, op->now, op->now - TOUCH_EVERY_MS);
}

int lf_tokens_touch(lf_store *s, const lf_api_token *t, int64_t now)
{
	struct touch_op op = {.id = t->id, .now = now};
	if (t->last_used_at != 0 && now - t->last_used_at < TOUCH_EVERY_MS)
		return LF_OK;
	return lf_store_write(s, NULL, touch_tx, &op);
}

int lf_tokens_is_token(const char *value)
{
	return strncmp(value, LF_PAT_PREFIX, LF_PAT_PREFIX_LEN) == 0;
}

int lf_tokens_parse(const char *token, char prefix[LF_PAT_ID_LEN + 1], const char **secret)
{
	const char *p = token + LF_PAT_PREFIX_LEN;
	if (!lf_tokens_is_token(token) || strlen(token) != LF_PAT_SIZE - 1 ||
	    p[LF_PAT_ID_LEN] != '_')
		return LF_ERR_AUTH;
	for (int i = 0; i < LF_PAT_ID_LEN; i++)
		if (strchr("0123456789abcdef", p[i]) == NULL)
			return LF_ERR_AUTH;
	memcpy(prefix, p, LF_PAT_ID_LEN);
	prefix[LF_PAT_ID_LEN] = '\0';
	*secret = p + LF_PAT_ID_LEN + 1;
	return LF_OK;
}

int lf_tokens_verify(const char *secret, const char *stored_hash)
{
	char hash[LF_PAT_HASH_SIZE];
	if (stored_hash == NULL || strlen(stored_hash) != LF_PAT_HASH_SIZE - 1)
		return 0;
	hash_secret(secret, hash);
	return sodium_memcmp(hash, stored_hash, LF_PAT_HASH_SIZE - 1) == 0;
}

unsigned lf_tokens_role_mask(const char *role)
{
	static const struct {
		const char *name;
		unsigned mask;
	} caps[] = {
	    {"annotator", LF_PROLE_ANNOTATOR},
	    {"reviewer", LF_PROLE_ANNOTATOR | LF_PROLE_REVIEWER},
	    {"super_reviewer", LF_PROLE_ANNOTATOR | LF_PROLE_REVIEWER | LF_PROLE_SUPER_REVIEWER},
	    {"admin", LF_PROLE_ANNOTATOR | LF_PROLE_REVIEWER | LF_PROLE_SUPER_REVIEWER},
	};
	for (size_t i = 0; role != NULL && i < LF_ARRAY_LEN(caps); i++)
		if (strcmp(role, caps[i].name) == 0)
			return caps[i].mask;
	return 0;
}

int lf_tokens_allows_project(const char *project_ids, int64_t project_id)
{
	if (project_ids == NULL)
		return 1;
	json_t *arr = json_loads(project_ids, 0, NULL);
	size_t i;
	json_t *v;
	int found = 0;
	json_array_foreach(arr, i, v)
	{
		if (json_integer_value(v) == project_id)
			found = 1;
	}
	json_decref(arr);
	return found;
}
