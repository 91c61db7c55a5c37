/*
 * sessions.h - login, refresh-token rotation and logout as domain
 * commands.
 *
 * A login opens a session (a refresh-token family). Each refresh uses up
 * its token and issues the next one; presenting a used token again means
 * it was copied, so the whole family is revoked (OAuth 2.0 Security BCP,
 * refresh token rotation). Every outcome that changes something, a failed
 * login included, is written with its audit record in one lf_store_write.
 *
 * Signing the access token (a JWT) is not done here: it is the HTTP API's
 * bearer credential, made with the server's key and lifetime, and nothing
 * durable depends on it; this module owns what is stored. Rate limiting is
 * HTTP policy too and stays with the handlers.
 *
 * Refusals are described in an lf_error (code, reason, message) the HTTP
 * layer renders as it is; store failures return their code with err left
 * undescribed.
 */
#ifndef LF_SESSIONS_H
#define LF_SESSIONS_H

#include "auth/auth.h"
#include "store/store.h"

/* What a login or a refresh grants. */
typedef struct lf_session_grant {
	lf_user user; /* the session's user: strings are arena memory of the given arena */
	char sid[LF_TOKEN_ID_SIZE];
	/* The new refresh token in clear text, for the client only (the store
	 * keeps its hash): the caller wipes it with sodium_memzero once sent. */
	char refresh[LF_TOKEN_SIZE];
} lf_session_grant;

/*
 * Checks email and password and opens a session of refresh_ttl_s seconds,
 * with an "auth.login" audit record naming ip. The password is verified
 * outside any write transaction (argon2 is slow by design and must not hold
 * the database's writer). Refusals: LF_ERR_AUTH "invalid_credentials" for an
 * unknown email (after spending a verify's time, so timing does not tell
 * which accounts exist), a wrong password or a disabled account; the last
 * two commit an "auth.login_failed" audit record first.
 */
int lf_sessions_login(lf_store *s, lf_arena *a, const char *email, const char *password,
		      const char *ip, int refresh_ttl_s, lf_session_grant *out, lf_error *err);

/*
 * Uses up refresh token `token` and issues the next one of its session,
 * valid refresh_ttl_s seconds, with an "auth.refresh" audit record.
 * Refusals (LF_ERR_AUTH): "invalid_refresh_token" for an unknown token or
 * an ended session (nothing written); "refresh_token_reused" for a token
 * already used: then the whole session is revoked and an
 * "auth.refresh_reuse" audit record written, and both are committed before
 * the refusal returns.
 */
int lf_sessions_refresh(lf_store *s, lf_arena *a, const char *token, const char *ip,
			int refresh_ttl_s, lf_session_grant *out, lf_error *err);

/* Ends session sid of user u, with an "auth.logout" audit record. */
int lf_sessions_logout(lf_store *s, lf_arena *a, const lf_user *u, const char *sid, const char *ip,
		       lf_error *err);

#endif
