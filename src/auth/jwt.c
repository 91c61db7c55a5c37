/*
 * jwt.c - HS256 JSON Web Tokens for access tokens.
 *
 * Only one shape of token is ever produced or accepted: header
 * {"alg":"HS256","typ":"JWT"}, HMAC-SHA256 signature, a fixed set of claims.
 * Generic JWT libraries let the token pick its own algorithm, which is how
 * "alg: none" and key-confusion forgeries happen; here the token has no say.
 */
#include "auth/auth.h"

#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define B64_VARIANT sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define SIG_B64_LEN (sodium_base64_ENCODED_LEN(crypto_auth_hmacsha256_BYTES, B64_VARIANT) - 1)

static const char jwt_header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

static int b64_encode(char *out, size_t outlen, const unsigned char *bin, size_t binlen,
		      size_t *written);
static int b64_decode(unsigned char *bin, size_t binmax, const char *b64, size_t b64len,
		      size_t *binlen);
static int claim_string_ok(const char *s, size_t max);
static json_t *parse_segment(const char *b64, size_t b64len);
static int check_header(const json_t *hdr);
static int read_int(const json_t *obj, const char *name, int64_t *out);
static int read_str(const json_t *obj, const char *name, char *out, size_t outsize);

int lf_jwt_sign(const unsigned char key[32], const lf_jwt_claims *c, char *out, size_t outlen)
{
	int ret = LF_ERR_INVALID;
	json_t *payload = NULL;
	char *json = NULL;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	size_t pos, n;

	if (!key || !c || !out || c->sub <= 0 || !claim_string_ok(c->role, sizeof(c->role)) ||
	    !claim_string_ok(c->sid, sizeof(c->sid)) || !claim_string_ok(c->jti, sizeof(c->jti)))
		goto cleanup;
	if (sodium_init() < 0) {
		ret = LF_ERR_INTERNAL;
		goto cleanup;
	}
	payload =
	    json_pack("{sIsssssssIsI}", "sub", (json_int_t)c->sub, "role", c->role, "sid", c->sid,
		      "jti", c->jti, "iat", (json_int_t)c->iat, "exp", (json_int_t)c->exp);
	if (!payload) {
		ret = LF_ERR_NOMEM;
		goto cleanup;
	}
	json = json_dumps(payload, JSON_COMPACT);
	if (!json) {
		ret = LF_ERR_NOMEM;
		goto cleanup;
	}

	ret = LF_ERR_LIMIT;
	if (b64_encode(out, outlen, (const unsigned char *)jwt_header, strlen(jwt_header), &pos) !=
	    LF_OK)
		goto cleanup;
	if (pos + 1 >= outlen)
		goto cleanup;
	out[pos++] = '.';
	if (b64_encode(out + pos, outlen - pos, (const unsigned char *)json, strlen(json), &n) !=
	    LF_OK)
		goto cleanup;
	pos += n;
	crypto_auth_hmacsha256(mac, (const unsigned char *)out, pos, key);
	if (pos + 1 >= outlen)
		goto cleanup;
	out[pos++] = '.';
	if (b64_encode(out + pos, outlen - pos, mac, sizeof(mac), &n) != LF_OK)
		goto cleanup;
	ret = LF_OK;

cleanup:
	if (ret != LF_OK && out && outlen > 0)
		out[0] = '\0';
	free(json);
	json_decref(payload);
	return ret;
}

/*
 * The MAC is checked over the raw "header.payload" bytes before either part is
 * decoded, so attacker-controlled JSON never reaches the parser unless it was
 * signed with our key. The header is still checked afterwards: a token we did
 * not mint as HS256 must not be accepted even if its MAC happens to verify.
 */
int lf_jwt_verify(const unsigned char key[32], const char *token, int64_t now, lf_jwt_claims *out)
{
	int ret = LF_ERR_AUTH;
	json_t *hdr = NULL, *payload = NULL;
	lf_jwt_claims c;
	unsigned char sig[crypto_auth_hmacsha256_BYTES];
	const char *dot1, *dot2;
	size_t len, siglen;

	if (!key || !token || !out)
		goto cleanup;
	len = strnlen(token, LF_JWT_INPUT_MAX + 1);
	if (len > LF_JWT_INPUT_MAX)
		goto cleanup;
	dot1 = memchr(token, '.', len);
	if (!dot1)
		goto cleanup;
	dot2 = memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token));
	if (!dot2 || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)))
		goto cleanup;
	if ((size_t)(token + len - (dot2 + 1)) != SIG_B64_LEN)
		goto cleanup;
	if (sodium_init() < 0) {
		ret = LF_ERR_INTERNAL;
		goto cleanup;
	}
	if (b64_decode(sig, sizeof(sig), dot2 + 1, SIG_B64_LEN, &siglen) != LF_OK ||
	    siglen != sizeof(sig))
		goto cleanup;
	if (crypto_auth_hmacsha256_verify(sig, (const unsigned char *)token,
					  (unsigned long long)(dot2 - token), key) != 0)
		goto cleanup;

	hdr = parse_segment(token, (size_t)(dot1 - token));
	if (!hdr || check_header(hdr) != LF_OK)
		goto cleanup;
	payload = parse_segment(dot1 + 1, (size_t)(dot2 - dot1 - 1));
	if (!payload)
		goto cleanup;

	memset(&c, 0, sizeof(c));
	if (read_int(payload, "sub", &c.sub) != LF_OK || c.sub <= 0)
		goto cleanup;
	if (read_int(payload, "exp", &c.exp) != LF_OK || c.exp <= now)
		goto cleanup;
	if (read_int(payload, "iat", &c.iat) != LF_OK || c.iat > now + LF_JWT_IAT_SKEW)
		goto cleanup;
	if (read_str(payload, "jti", c.jti, sizeof(c.jti)) != LF_OK ||
	    read_str(payload, "role", c.role, sizeof(c.role)) != LF_OK ||
	    read_str(payload, "sid", c.sid, sizeof(c.sid)) != LF_OK)
		goto cleanup;
	*out = c;
	ret = LF_OK;

cleanup:
	json_decref(hdr);
	json_decref(payload);
	return ret;
}

/* Encodes bin as base64url without padding into out (NUL-terminated);
 * *written gets the length without the NUL. */
static int b64_encode(char *out, size_t outlen, const unsigned char *bin, size_t binlen,
		      size_t *written)
{
	size_t need = sodium_base64_ENCODED_LEN(binlen, B64_VARIANT);

	if (need > outlen)
		return LF_ERR_LIMIT;
	sodium_bin2base64(out, outlen, bin, binlen, B64_VARIANT);
	*written = need - 1;
	return LF_OK;
}

/* Strict decoding: the whole input must be base64url without padding, with
 * no ignored characters. libsodium also refuses non-zero trailing bits, so
 * every decoded value has exactly one accepted encoding. */
static int b64_decode(unsigned char *bin, size_t binmax, const char *b64, size_t b64len,
		      size_t *binlen)
{
	const char *end = NULL;

	if (b64len == 0)
		return LF_ERR_AUTH;
	if (sodium_base642bin(bin, binmax, b64, b64len, NULL, binlen, &end, B64_VARIANT) != 0 ||
	    end != b64 + b64len)
		return LF_ERR_AUTH;
	return LF_OK;
}

/* Claim strings travel into logs and SQL parameters; restricting them to
 * printable ASCII without spaces keeps every consumer simple. */
static int claim_string_ok(const char *s, size_t max)
{
	size_t i, n = strnlen(s, max);

	if (n == 0 || n == max)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f)
			return 0;
	return 1;
}

/* Decodes one base64url segment and parses it as a JSON object. */
static json_t *parse_segment(const char *b64, size_t b64len)
{
	unsigned char buf[LF_JWT_INPUT_MAX];
	size_t n;
	json_t *j;

	if (b64_decode(buf, sizeof(buf), b64, b64len, &n) != LF_OK)
		return NULL;
	j = json_loadb((const char *)buf, n, JSON_REJECT_DUPLICATES, NULL);
	if (j && !json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static int check_header(const json_t *hdr)
{
	const json_t *alg = json_object_get(hdr, "alg");
	const json_t *typ = json_object_get(hdr, "typ");
	size_t expected = typ ? 2 : 1;

	if (!json_is_string(alg) || json_string_length(alg) != 5 ||
	    strcmp(json_string_value(alg), "HS256") != 0)
		return LF_ERR_AUTH;
	if (typ && (!json_is_string(typ) || json_string_length(typ) != 3 ||
		    strcmp(json_string_value(typ), "JWT") != 0))
		return LF_ERR_AUTH;
	/* Any other member (crit, kid, jku, ...) would ask us to behave
	 * differently; we never emit them, so their presence means forgery. */
	if (json_object_size(hdr) != expected)
		return LF_ERR_AUTH;
	return LF_OK;
}

static int read_int(const json_t *obj, const char *name, int64_t *out)
{
	const json_t *v = json_object_get(obj, name);

	if (!json_is_integer(v))
		return LF_ERR_AUTH;
	*out = (int64_t)json_integer_value(v);
	return LF_OK;
}

static int read_str(const json_t *obj, const char *name, char *out, size_t outsize)
{
	const json_t *v = json_object_get(obj, name);
	size_t n;

	if (!json_is_string(v))
		return LF_ERR_AUTH;
	n = json_string_length(v);
	/* A length mismatch means an embedded NUL, which strnlen would hide. */
	if (n >= outsize || strlen(json_string_value(v)) != n)
		return LF_ERR_AUTH;
	memcpy(out, json_string_value(v), n + 1);
	if (!claim_string_ok(out, outsize))
		return LF_ERR_AUTH;
	return LF_OK;
}
