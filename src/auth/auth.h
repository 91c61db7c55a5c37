/*
 * auth.h - credentials: JWT access tokens, password hashing, opaque
 * refresh tokens and an in-memory login rate limiter.
 *
 * Everything here is built on libsodium (and jansson for the JWT JSON).
 * The JWT code is hand-made on purpose: the algorithm is pinned to HS256 so
 * "alg: none" and algorithm-confusion tokens cannot be accepted.
 *
 * All functions are thread-safe.
 */
#ifndef LF_AUTH_H
#define LF_AUTH_H

#include "core/lf.h"

#include <sodium.h>
#include <stddef.h>
#include <stdint.h>

/* The argon2id cost of new password hashes (LABELFLOW_PASSWORD_COST).
 * INTERACTIVE is libsodium's interactive limits (64 MiB, about 0.15 s),
 * MODERATE its moderate ones (256 MiB, about 0.7 s). MINIMUM (8 KiB, one
 * pass) exists for test suites, which create and log in thousands of
 * users: it protects nothing. Hashes of another cost are accepted, and
 * lf_password_needs_rehash names them so that logins upgrade them. */
typedef enum {
	LF_PASSWORD_INTERACTIVE = 0,
	LF_PASSWORD_MODERATE = 1,
	LF_PASSWORD_MINIMUM = 2,
} lf_password_cost;

/* Initialises libsodium, sets the cost of new hashes and precomputes the
 * dummy hash used by lf_password_burn at that cost, so the first
 * unknown-email login is not slower than the others. Call once at
 * startup, before any hashing; a later call may not change the cost
 * (LF_ERR_INVALID). Without it the other functions initialise libsodium
 * themselves and hash at LF_PASSWORD_INTERACTIVE. Returns LF_OK,
 * LF_ERR_INVALID, LF_ERR_INTERNAL if libsodium cannot start or
 * LF_ERR_NOMEM. */
int lf_auth_init(lf_password_cost cost);

/* ---- JWT (HS256 only) ---------------------------------------------------- */

/* Size of the buffer lf_jwt_sign writes into (NUL included). */
#define LF_JWT_MAX 1024
/* Tokens longer than this are refused by lf_jwt_verify before any parsing. */
#define LF_JWT_INPUT_MAX 4096
/* Largest accepted distance of iat into the future (clock skew), seconds. */
#define LF_JWT_IAT_SKEW 60
/* Size of the HMAC-SHA256 key. */
#define LF_JWT_KEYBYTES crypto_auth_hmacsha256_KEYBYTES

typedef struct lf_jwt_claims {
	int64_t sub;   /* user id */
	char role[32]; /* global role: "admin", "annotator", "reviewer", "super_reviewer" */
	char sid[48];  /* session id = refresh-token family id */
	char jti[48];  /* unique token id */
	int64_t iat;   /* issued at, seconds since epoch */
	int64_t exp;   /* expiry, seconds since epoch */
} lf_jwt_claims;

/* Signs the claims into a compact JWS {"alg":"HS256","typ":"JWT"}.payload.sig
 * written NUL-terminated into out (caller-owned, outlen bytes; LF_JWT_MAX is
 * always enough). role, sid and jti must be non-empty, NUL-terminated within
 * their arrays and made of printable ASCII without spaces; sub must be > 0.
 * Returns LF_OK, LF_ERR_INVALID for bad claims, LF_ERR_LIMIT if out is too
 * small, LF_ERR_NOMEM. */
int lf_jwt_sign(const unsigned char key[32], const lf_jwt_claims *c, char *out, size_t outlen);

/* Verifies token at time now (seconds since epoch) and fills *out (caller
 * owned) on success; *out is left untouched on failure. The signature is
 * checked in constant time before any JSON is parsed. The header must be a
 * JSON object with "alg":"HS256" and optionally "typ":"JWT", nothing else.
 * Required claims: sub (integer > 0), exp (integer > now), iat (integer,
 * at most LF_JWT_IAT_SKEW seconds after now), jti, role and sid (non-empty
 * printable-ASCII strings fitting their arrays). Unknown claims are ignored.
 * Returns LF_OK, or LF_ERR_AUTH for anything wrong (forged, expired, alg
 * none, malformed, too long, or unparsable for lack of memory);
 * LF_ERR_INTERNAL if libsodium cannot start. */
int lf_jwt_verify(const unsigned char key[32], const char *token, int64_t now, lf_jwt_claims *out);

/* ---- Passwords (argon2id) ------------------------------------------------ */

#define LF_PASSWORD_HASH_MAX crypto_pwhash_STRBYTES
/* Accepted password length in bytes, at hash time. */
#define LF_PASSWORD_MIN 8
#define LF_PASSWORD_MAX 1024

/* Hashes password (NUL-terminated, LF_PASSWORD_MIN..LF_PASSWORD_MAX bytes)
 * with argon2id at the libsodium "interactive" cost into out (caller-owned),
 * an ASCII "$argon2id$..." string. At most one hash or verify per online CPU
 * runs at a time process-wide (each needs 64 MiB); extra callers wait.
 * Returns LF_OK, LF_ERR_INVALID for a bad length, LF_ERR_NOMEM. */
int lf_password_hash(const char *password, char out[LF_PASSWORD_HASH_MAX]);

/* Checks password against a hash made by lf_password_hash (argon2i hashes
 * are accepted too). Same concurrency limit as lf_password_hash. Returns
 * LF_OK on a match, LF_ERR_AUTH otherwise (wrong password, malformed hash,
 * NULL arguments, password longer than LF_PASSWORD_MAX). */
int lf_password_verify(const char *hash, const char *password);

/* Returns 1 if hash should be replaced by a fresh lf_password_hash of the
 * same password (older algorithm or cost, or unparsable), 0 if it is
 * current. Call it after a successful lf_password_verify. */
int lf_password_needs_rehash(const char *hash);

/* Spends the same time as lf_password_verify with a real hash and discards
 * the result: call it when a login names an unknown account so that the
 * response time does not reveal which accounts exist. */
void lf_password_burn(const char *password);

/* ---- Opaque tokens and ids ----------------------------------------------- */

/* Random bytes behind an opaque token. */
#define LF_TOKEN_BYTES 32
/* Buffer size for lf_token_new (43 base64url characters + NUL). */
#define LF_TOKEN_SIZE                                                                              \
	sodium_base64_ENCODED_LEN(LF_TOKEN_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)
/* Buffer size for lf_token_hash (64 hex digits + NUL). */
#define LF_TOKEN_HASH_SIZE 65
/* Buffer size for lf_token_id (32 hex digits + NUL). */
#define LF_TOKEN_ID_SIZE 33

/* Writes a new random token (32 bytes from the CSPRNG, base64url without
 * padding, NUL-terminated) into out (caller-owned). Used for refresh tokens:
 * hand the token to the client, store only lf_token_hash of it. Returns
 * LF_OK, or LF_ERR_INVALID if outlen < LF_TOKEN_SIZE. */
int lf_token_new(char *out, size_t outlen);

/* Writes the SHA-256 of token as 64 lowercase hex digits + NUL into hex_out.
 * Deterministic, so the stored hash can be looked up by the presented token;
 * a plain hash is enough because the token has 256 bits of entropy. */
void lf_token_hash(const char *token, char hex_out[LF_TOKEN_HASH_SIZE]);

/* Writes a random 16-byte id as 32 lowercase hex digits + NUL into out, for
 * jti and sid values. outlen must be at least LF_TOKEN_ID_SIZE: a smaller
 * buffer is a programming error and aborts the process. */
void lf_token_id(char *out, size_t outlen);

/* ---- Rate limiter -------------------------------------------------------- */

typedef struct lf_ratelimit lf_ratelimit;

/* Creates a token-bucket limiter: each key may spend burst tokens at once,
 * refilled at one token every refill_ms milliseconds. At most capacity keys
 * are tracked; when full, the least recently used key is forgotten (it then
 * starts again with a full bucket). Memory is allocated once, here.
 * Returns NULL when out of memory or if an argument is < 1 (or absurdly
 * large). Owner: caller, released with lf_ratelimit_destroy. */
lf_ratelimit *lf_ratelimit_create(int burst, int64_t refill_ms, size_t capacity);

/* Frees the limiter. NULL is allowed. */
void lf_ratelimit_destroy(lf_ratelimit *rl);

/* Takes one token for key (any NUL-terminated string, e.g. "acct:alice@x"
 * or "ip:127.0.0.1") at time now_ms. Returns LF_OK if allowed, LF_ERR_LIMIT
 * if not, LF_ERR_INVALID for NULL arguments. If retry_after_ms is not NULL it
 * is set to 0 when allowed, else to the milliseconds until the next token.
 * A refused attempt does not push the next token further away. */
int lf_ratelimit_take(lf_ratelimit *rl, const char *key, int64_t now_ms, int64_t *retry_after_ms);

/* Forgets key (e.g. after a successful login): its next take starts with a
 * full bucket. Unknown keys and NULL arguments are ignored. */
void lf_ratelimit_reset(lf_ratelimit *rl, const char *key);

/* ---- Failure backoff ----------------------------------------------------- */

/* Creates a limiter of consecutive failures per key, sharing lf_ratelimit's
 * bounded table (capacity keys, least recently used forgotten): after
 * free_failures failures of a key each further failure makes the key wait,
 * base_ms after the first, doubling each time up to max_ms. A wait is a
 * delay, never a lockout: once it ends one attempt is allowed again. Used
 * for logins keyed by (account, client address), so that nobody elsewhere
 * can delay an account's owner. Returns NULL on a bad argument or no
 * memory. Released with lf_ratelimit_destroy; lf_ratelimit_reset forgets a
 * key's failures (after a success). Never pass it to lf_ratelimit_take. */
lf_ratelimit *lf_backoff_create(int free_failures, int64_t base_ms, int64_t max_ms,
				size_t capacity);

/* Returns LF_OK when key may try now, LF_ERR_LIMIT while it must wait
 * (*retry_after_ms, if not NULL, gets the wait; 0 when allowed), or
 * LF_ERR_INVALID for NULL arguments. Checking records nothing. */
int lf_backoff_check(lf_ratelimit *rl, const char *key, int64_t now_ms, int64_t *retry_after_ms);

/* Records one failure of key at now_ms, starting or lengthening its wait
 * once it has had free_failures. NULL arguments are ignored. */
void lf_backoff_fail(lf_ratelimit *rl, const char *key, int64_t now_ms);

#endif
