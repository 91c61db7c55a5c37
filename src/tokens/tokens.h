/*
 * tokens.h - personal access tokens (API tokens) for scripts and SDKs.
 *
 * A token is "lf_pat_<prefix>_<secret>": the prefix (12 hex digits) is
 * its public id, shown in lists and used to find its row; the secret (64
 * hex digits, 32 random bytes) is shown once, at creation, and only its
 * BLAKE2b-256 hash is stored, so a copy of the database yields no usable
 * token. A token acts as its user, capped by its role and optionally
 * limited to a list of projects: what a request may do is the
 * intersection of what the user may do now and what the token allows
 * (api_util.c's guard applies it).
 */
#ifndef LF_TOKENS_H
#define LF_TOKENS_H

#include "store/store.h"

#define LF_PAT_PREFIX	    "lf_pat_"
#define LF_PAT_PREFIX_LEN   7
#define LF_PAT_ID_LEN	    12 /* hex digits of the public prefix */
#define LF_PAT_SECRET_LEN   64 /* hex digits of the secret */
#define LF_PAT_SIZE	    (LF_PAT_PREFIX_LEN + LF_PAT_ID_LEN + 1 + LF_PAT_SECRET_LEN + 1)
#define LF_PAT_HASH_SIZE    65 /* hex BLAKE2b-256 and its NUL */
#define LF_PAT_MAX_PROJECTS 100
#define LF_PAT_MAX_LIVE	    100 /* tokens not revoked per user */

/* What a token is created with. */
typedef struct lf_token_spec {
	const char *name;	 /* 1 to 200 bytes */
	const char *role;	 /* NULL for the owner's own role */
	const char *project_ids; /* JSON array text of project ids, NULL for all */
	int64_t expires_at;	 /* ms since epoch, 0 for never */
} lf_token_spec;

/*
 * Creates a token for owner with its "token.create" audit record, in
 * one write transaction. *out gets its row (arena memory of a) and
 * token[] the whole token, the only time it exists outside the caller's
 * hands. Refusals: LF_ERR_INVALID "invalid_token_role" for a role that
 * is not one of admin (admins only), super_reviewer, reviewer,
 * annotator; LF_ERR_CONFLICT "too_many_tokens" when the owner has
 * LF_PAT_MAX_LIVE tokens not revoked (which keeps their list one page).
 */
int lf_tokens_create(lf_store *s, lf_arena *a, const lf_user *owner, const lf_token_spec *spec,
		     lf_api_token *out, char token[LF_PAT_SIZE], lf_error *err);

/*
 * Revokes token id with its "token.revoke" audit record. owner_id is the
 * user whose token it must be (0: anyone's, for an admin). Refusals:
 * LF_ERR_NOTFOUND "not_found" for a token that does not exist, is
 * someone else's or is already revoked.
 */
int lf_tokens_revoke(lf_store *s, int64_t actor_id, const char *actor_role, int64_t owner_id,
		     int64_t id, lf_error *err);

/*
 * Records that token t was used at now, at most once a minute per token:
 * nothing is written when t->last_used_at (as the access check read it)
 * is less than a minute old, and the UPDATE itself skips a row another
 * request touched since, so a busy token costs one write a minute, not
 * one per request.
 */
int lf_tokens_touch(lf_store *s, const lf_api_token *t, int64_t now);

/* Whether value looks like an API token (its "lf_pat_" start). */
int lf_tokens_is_token(const char *value);
/* Splits a token: prefix[] gets its public id, *secret points into
 * token. LF_ERR_AUTH when it is malformed. */
int lf_tokens_parse(const char *token, char prefix[LF_PAT_ID_LEN + 1], const char **secret);
/* 1 when secret's hash is stored_hash, in constant time. */
int lf_tokens_verify(const char *secret, const char *stored_hash);
/* The project role bits a token of role may use (every bit for admin),
 * 0 for an unknown role. */
unsigned lf_tokens_role_mask(const char *role);
/* Whether a token limited to project_ids (NULL: all) may act in
 * project_id. */
int lf_tokens_allows_project(const char *project_ids, int64_t project_id);

#endif
