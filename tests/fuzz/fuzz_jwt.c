/*
 * fuzz_jwt.c - access token verification (src/auth/jwt.c).
 *
 * The first byte picks what the rest is:
 *   0  a whole token, presented as is: it must never verify, since nobody
 *      outside holds the key;
 *   1  "header.payload" (base64url as sent, possibly malformed), signed
 *      here with the key, so that the segment decoding and JSON checks
 *      behind the MAC are reached: a token that verifies must carry
 *      exactly the header {"alg":"HS256"[,"typ":"JWT"]} and claims within
 *      their rules;
 *   2  claims (sub, times, role, sid, jti from the bytes) signed with
 *      lf_jwt_sign: whenever signing accepts them the token verifies while
 *      valid, back to the same claims, and fails once expired or under
 *      another key.
 */
#include "auth/auth.h"
#include "fuzz.h"

#include <jansson.h>
#include <string.h>

#define NOW 1700000000

static const unsigned char key[32] = "fuzz-key-fuzz-key-fuzz-key-fuzz";
static const unsigned char other[32] = "another-key-another-key-another";

static int printable(const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	if (n == 0 || n == max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f)
			return 0;
	return 1;
}

/* The JSON object one base64url segment holds, or NULL. */
static json_t *segment(const char *b64, size_t len)
{
	unsigned char bin[LF_JWT_INPUT_MAX];
	size_t n;
	const char *end;

	if (sodium_base642bin(bin, sizeof(bin), b64, len, NULL, &n, &end,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return NULL;
	return json_loadb((const char *)bin, n, JSON_REJECT_DUPLICATES, NULL);
}

/* What a verified token must be: checked again here, independently. */
static void check_accepted(const char *tok, const lf_jwt_claims *c)
{
	const char *d1 = strchr(tok, '.');
	const char *d2 = d1 != NULL ? strchr(d1 + 1, '.') : NULL;
	json_t *hdr, *pl, *typ;

	FUZZ_CHECK(d1 != NULL && d2 != NULL);
	hdr = segment(tok, (size_t)(d1 - tok));
	pl = segment(d1 + 1, (size_t)(d2 - d1 - 1));
	FUZZ_CHECK(json_is_object(hdr) && json_is_object(pl));
	typ = json_object_get(hdr, "typ");
	FUZZ_CHECK(json_is_string(json_object_get(hdr, "alg")) &&
		   strcmp(json_string_value(json_object_get(hdr, "alg")), "HS256") == 0);
	FUZZ_CHECK(json_object_size(hdr) == (typ != NULL ? 2u : 1u));
	FUZZ_CHECK(typ == NULL ||
		   (json_is_string(typ) && strcmp(json_string_value(typ), "JWT") == 0));
	FUZZ_CHECK(c->sub > 0 && c->exp > NOW && c->iat <= NOW + LF_JWT_IAT_SKEW);
	FUZZ_CHECK(json_integer_value(json_object_get(pl, "sub")) == c->sub);
	FUZZ_CHECK(printable(c->role, sizeof(c->role)) && printable(c->sid, sizeof(c->sid)) &&
		   printable(c->jti, sizeof(c->jti)));
	FUZZ_CHECK(strcmp(json_string_value(json_object_get(pl, "role")), c->role) == 0);
	json_decref(hdr);
	json_decref(pl);
}

static void presented(const char *s, size_t n)
{
	char *tok = strndup(s, n);
	lf_jwt_claims c;

	FUZZ_CHECK(tok != NULL);
	FUZZ_CHECK(lf_jwt_verify(key, tok, NOW, &c) == LF_ERR_AUTH);
	free(tok);
}

static void signed_here(const char *s, size_t n)
{
	char tok[LF_JWT_INPUT_MAX + 128];
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	lf_jwt_claims c;

	if (n > LF_JWT_INPUT_MAX - 64 || memchr(s, '\0', n) != NULL)
		return;
	memcpy(tok, s, n);
	crypto_auth_hmacsha256(mac, (const unsigned char *)tok, n, key);
	tok[n] = '.';
	sodium_bin2base64(tok + n + 1, sizeof(tok) - n - 1, mac, sizeof(mac),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if (lf_jwt_verify(key, tok, NOW, &c) == LF_OK)
		check_accepted(tok, &c);
	FUZZ_CHECK(lf_jwt_verify(other, tok, NOW, &c) == LF_ERR_AUTH);
}

static void copy_str(char *dst, size_t cap, const char **s, const char *end)
{
	size_t n = 0;
	while (*s < end && **s != '|' && **s != '\0' && n + 1 < cap)
		dst[n++] = *(*s)++;
	dst[n] = '\0';
	if (*s < end)
		(*s)++;
}

static void round_trip(const char *s, size_t n)
{
	const char *end = s + n;
	lf_jwt_claims in = {0}, out;
	char tok[LF_JWT_MAX];
	int64_t nums[3] = {0};

	if (n < 24)
		return;
	memcpy(nums, s, 24);
	s += 24;
	in.sub = nums[0];
	in.iat = NOW - (nums[1] & 0xffff);
	in.exp = NOW + 1 + (nums[2] & 0xffffff);
	copy_str(in.role, sizeof(in.role), &s, end);
	copy_str(in.sid, sizeof(in.sid), &s, end);
	copy_str(in.jti, sizeof(in.jti), &s, end);
	if (lf_jwt_sign(key, &in, tok, sizeof(tok)) != LF_OK) {
		FUZZ_CHECK(in.sub <= 0 || !printable(in.role, sizeof(in.role)) ||
			   !printable(in.sid, sizeof(in.sid)) ||
			   !printable(in.jti, sizeof(in.jti)));
		return;
	}
	FUZZ_CHECK(lf_jwt_verify(key, tok, NOW, &out) == LF_OK);
	FUZZ_CHECK(memcmp(&in, &out, sizeof(in)) == 0);
	FUZZ_CHECK(lf_jwt_verify(key, tok, in.exp, &out) == LF_ERR_AUTH);
	FUZZ_CHECK(lf_jwt_verify(other, tok, NOW, &out) == LF_ERR_AUTH);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0: presented((const char *)data + 1, size - 1); break;
	case 1: signed_here((const char *)data + 1, size - 1); break;
	default: round_trip((const char *)data + 1, size - 1); break;
	}
	return 0;
}
