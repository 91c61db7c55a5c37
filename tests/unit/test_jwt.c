/*
 * test_jwt.c - HS256 JWT signing and, above all, refusal of everything else.
 */
#include "auth/auth.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW 1700000000
#define B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING

static const unsigned char key[32] = "0123456789abcdef0123456789abcdef";
static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char std_header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

static void good_claims(lf_jwt_claims *c);
static void craft(const char *header, const char *payload, int sign, char *out, size_t outlen);
static int verify_payload(const char *payload);
static int verify_raw(const char *segments);

static void good_claims(lf_jwt_claims *c)
{
	memset(c, 0, sizeof(*c));
	c->sub = 42;
	strcpy(c->role, "annotator");
	strcpy(c->sid, "0011223344556677");
	strcpy(c->jti, "8899aabbccddeeff");
	c->iat = NOW;
	c->exp = NOW + 900;
}

/* Builds base64url(header).base64url(payload).sig; sig is a real HS256 MAC
 * under the test key when sign is set, empty otherwise. Lets the tests reach
 * the header and claim checks that sit behind the signature check. */
static void craft(const char *header, const char *payload, int sign, char *out, size_t outlen)
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	size_t n;

	sodium_bin2base64(out, outlen, (const unsigned char *)header, strlen(header), B64);
	n = strlen(out);
	out[n++] = '.';
	sodium_bin2base64(out + n, outlen - n, (const unsigned char *)payload, strlen(payload),
			  B64);
	n = strlen(out);
	out[n++] = '.';
	out[n] = '\0';
	if (sign) {
		crypto_auth_hmacsha256(mac, (const unsigned char *)out, n - 1, key);
		sodium_bin2base64(out + n, outlen - n, mac, sizeof(mac), B64);
	}
}

static int verify_payload(const char *payload)
{
	char tok[4096];
	lf_jwt_claims c;

	craft(std_header, payload, 1, tok, sizeof(tok));
	return lf_jwt_verify(key, tok, NOW, &c);
}

/* Signs already-encoded "header.payload" text as is, so that malformed
 * base64 gets past the MAC check and reaches the decoder. */
static int verify_raw(const char *segments)
{
	char tok[4096];
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	lf_jwt_claims c;
	size_t n = strlen(segments);

	memcpy(tok, segments, n);
	tok[n++] = '.';
	crypto_auth_hmacsha256(mac, (const unsigned char *)segments, n - 1, key);
	sodium_bin2base64(tok + n, sizeof(tok) - n, mac, sizeof(mac), B64);
	return lf_jwt_verify(key, tok, NOW, &c);
}

static void test_round_trip(void **state)
{
	lf_jwt_claims in, out;
	char tok[LF_JWT_MAX];
	const char *p;
	int dots;

	good_claims(&in);
	assert_int_equal(lf_jwt_sign(key, &in, tok, sizeof(tok)), LF_OK);
	dots = 0;
	for (p = tok; *p; p++) {
		assert_true(*p == '.' || strchr(alphabet, *p));
		dots += *p == '.';
	}
	assert_int_equal(dots, 2);
	memset(&out, 0, sizeof(out));
	assert_int_equal(lf_jwt_verify(key, tok, NOW + 10, &out), LF_OK);
	assert_int_equal(out.sub, 42);
	assert_string_equal(out.role, "annotator");
	assert_string_equal(out.sid, in.sid);
	assert_string_equal(out.jti, in.jti);
	assert_int_equal(out.iat, NOW);
	assert_int_equal(out.exp, NOW + 900);
}

static void test_wrong_key(void **state)
{
	lf_jwt_claims in, out;
	char tok[LF_JWT_MAX];
	unsigned char other[32];

	good_claims(&in);
	memcpy(other, key, sizeof(other));
	other[0] ^= 1;
	assert_int_equal(lf_jwt_sign(other, &in, tok, sizeof(tok)), LF_OK);
	assert_int_equal(lf_jwt_verify(key, tok, NOW, &out), LF_ERR_AUTH);
}

static void test_tampered_payload(void **state)
{
	lf_jwt_claims in, out;
	char tok[LF_JWT_MAX], forged[LF_JWT_MAX * 2];
	char *dot1, *dot2;
	char payload[256];

	good_claims(&in);
	assert_int_equal(lf_jwt_sign(key, &in, tok, sizeof(tok)), LF_OK);
	/* Swap in a payload claiming to be an admin, keep header and signature. */
	dot1 = strchr(tok, '.');
	dot2 = strchr(dot1 + 1, '.');
	snprintf(payload, sizeof(payload),
		 "{\"sub\":1,\"role\":\"admin\",\"sid\":\"s\",\"jti\":\"j\",\"iat\":%d,\"exp\":%d}",
		 NOW, NOW + 900);
	memcpy(forged, tok, (size_t)(dot1 + 1 - tok));
	sodium_bin2base64(forged + (dot1 + 1 - tok), sizeof(forged) - (size_t)(dot1 + 1 - tok),
			  (const unsigned char *)payload, strlen(payload), B64);
	strcat(forged, dot2);
	assert_int_equal(lf_jwt_verify(key, forged, NOW, &out), LF_ERR_AUTH);

	/* A single flipped character in the payload. */
	dot1[3] = dot1[3] == 'A' ? 'B' : 'A';
	assert_int_equal(lf_jwt_verify(key, tok, NOW, &out), LF_ERR_AUTH);
}

static void test_tampered_signature(void **state)
{
	lf_jwt_claims in, out;
	char tok[LF_JWT_MAX], orig[LF_JWT_MAX];
	size_t n;

	good_claims(&in);
	assert_int_equal(lf_jwt_sign(key, &in, tok, sizeof(tok)), LF_OK);
	strcpy(orig, tok);
	n = strlen(tok);

	tok[n - 5] = tok[n - 5] == 'A' ? 'B' : 'A';
	assert_int_equal(lf_jwt_verify(key, tok, NOW, &out), LF_ERR_AUTH);

	/* Signature dropped, truncated, or extended. */
	strcpy(tok, orig);
	*(strrchr(tok, '.') + 1) = '\0';
	assert_int_equal(lf_jwt_verify(key, tok, NOW, &out), LF_ERR_AUTH);
	strcpy(tok, orig);
	tok[n - 1] = '\0';
	assert_int_equal(lf_jwt_verify(key, tok, NOW, &out), LF_ERR_AUTH);
	strcpy(tok, orig);
	strcat(tok, "A");
	assert_int_equal(lf_jwt_verify(key, tok, NOW, &out), LF_ERR_AUTH);

	/* 32 bytes leave 2 unused bits in the last base64 character: changing
	 * them must not give a second valid encoding of the same MAC. */
	strcpy(tok, orig);
	tok[n - 1] = alphabet[(strchr(alphabet, tok[n - 1]) - alphabet) ^ 1];
	assert_int_equal(lf_jwt_verify(key, tok, NOW, &out), LF_ERR_AUTH);

	strcpy(tok, orig);
	assert_int_equal(lf_jwt_verify(key, tok, NOW, &out), LF_OK);
}

static void test_alg_none(void **state)
{
	char tok[1024], payload[256];
	lf_jwt_claims out;

	snprintf(payload, sizeof(payload),
		 "{\"sub\":1,\"role\":\"admin\",\"sid\":\"s\",\"jti\":\"j\",\"iat\":%d,\"exp\":%d}",
		 NOW, NOW + 900);
	craft("{\"alg\":\"none\"}", payload, 0, tok, sizeof(tok));
	assert_int_equal(lf_jwt_verify(key, tok, NOW, &out), LF_ERR_AUTH);
	craft("{\"alg\":\"none\",\"typ\":\"JWT\"}", payload, 0, tok, sizeof(tok));
	assert_int_equal(lf_jwt_verify(key, tok, NOW, &out), LF_ERR_AUTH);
	/* Even correctly MACed, a header that is not HS256 is refused. */
	craft("{\"alg\":\"none\"}", payload, 1, tok, sizeof(tok));
	assert_int_equal(lf_jwt_verify(key, tok, NOW, &out), LF_ERR_AUTH);
	/* Control: the same payload under the right header passes. */
	craft("{\"alg\":\"HS256\"}", payload, 1, tok, sizeof(tok));
	assert_int_equal(lf_jwt_verify(key, tok, NOW, &out), LF_OK);
	assert_int_equal(out.sub, 1);
}

static void test_bad_headers(void **state)
{
	static const char *headers[] = {
	    "{\"alg\":\"HS512\",\"typ\":\"JWT\"}",
	    "{\"alg\":\"hs256\"}",
	    "{\"alg\":\"RS256\"}",
	    "{\"typ\":\"JWT\"}",
	    "{}",
	    "{\"alg\":null}",
	    "{\"alg\":256}",
	    "{\"alg\":\"HS256\",\"typ\":\"JWS\"}",
	    "{\"alg\":\"HS256\",\"typ\":1}",
	    "{\"alg\":\"HS256\",\"kid\":\"../../key\"}",
	    "{\"alg\":\"HS256\",\"crit\":[\"exp\"]}",
	    "{\"alg\":\"HS256\",\"alg\":\"HS256\"}",
	    "[\"HS256\"]",
	    "\"HS256\"",
	    "{\"alg\":\"HS256\"",
	    "{\"alg\":\"HS256\\u0000\"}",
	};
	char tok[1024], payload[256];
	lf_jwt_claims out;
	size_t i;

	snprintf(payload, sizeof(payload),
		 "{\"sub\":1,\"role\":\"admin\",\"sid\":\"s\",\"jti\":\"j\",\"iat\":%d,\"exp\":%d}",
		 NOW, NOW + 900);
	for (i = 0; i < LF_ARRAY_LEN(headers); i++) {
		craft(headers[i], payload, 1, tok, sizeof(tok));
		if (lf_jwt_verify(key, tok, NOW, &out) != LF_ERR_AUTH)
			fail_msg("header accepted: %s", headers[i]);
	}
	craft("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", payload, 1, tok, sizeof(tok));
	assert_int_equal(lf_jwt_verify(key, tok, NOW, &out), LF_OK);
}

static void test_time_claims(void **state)
{
	lf_jwt_claims in, out;
	char tok[LF_JWT_MAX];

	good_claims(&in);
	assert_int_equal(lf_jwt_sign(key, &in, tok, sizeof(tok)), LF_OK);
	assert_int_equal(lf_jwt_verify(key, tok, NOW + 899, &out), LF_OK);
	assert_int_equal(lf_jwt_verify(key, tok, NOW + 900, &out), LF_ERR_AUTH);
	assert_int_equal(lf_jwt_verify(key, tok, NOW + 100000, &out), LF_ERR_AUTH);

	/* iat up to LF_JWT_IAT_SKEW seconds ahead is clock skew, beyond is not. */
	in.iat = NOW + LF_JWT_IAT_SKEW;
	assert_int_equal(lf_jwt_sign(key, &in, tok, sizeof(tok)), LF_OK);
	assert_int_equal(lf_jwt_verify(key, tok, NOW, &out), LF_OK);
	in.iat = NOW + LF_JWT_IAT_SKEW + 1;
	assert_int_equal(lf_jwt_sign(key, &in, tok, sizeof(tok)), LF_OK);
	assert_int_equal(lf_jwt_verify(key, tok, NOW, &out), LF_ERR_AUTH);
	in.iat = NOW + 3600;
	in.exp = NOW + 7200;
	assert_int_equal(lf_jwt_sign(key, &in, tok, sizeof(tok)), LF_OK);
	assert_int_equal(lf_jwt_verify(key, tok, NOW, &out), LF_ERR_AUTH);
}

static void test_claims_required_and_typed(void **state)
{
	static const char *payloads[] = {
	    /* missing */
	    "{\"role\":\"a\",\"sid\":\"s\",\"jti\":\"j\",\"iat\":1700000000,\"exp\":1700000900}",
	    "{\"sub\":1,\"role\":\"a\",\"sid\":\"s\",\"jti\":\"j\",\"iat\":1700000000}",
	    "{\"sub\":1,\"role\":\"a\",\"sid\":\"s\",\"jti\":\"j\",\"exp\":1700000900}",
	    "{\"sub\":1,\"role\":\"a\",\"sid\":\"s\",\"iat\":1700000000,\"exp\":1700000900}",
	    "{\"sub\":1,\"sid\":\"s\",\"jti\":\"j\",\"iat\":1700000000,\"exp\":1700000900}",
	    "{\"sub\":1,\"role\":\"a\",\"jti\":\"j\",\"iat\":1700000000,\"exp\":1700000900}",
	    /* wrong types or values */
	    "{\"sub\":\"1\",\"role\":\"a\",\"sid\":\"s\",\"jti\":\"j\",\"iat\":1700000000,"
	    "\"exp\":1700000900}",
	    "{\"sub\":0,\"role\":\"a\",\"sid\":\"s\",\"jti\":\"j\",\"iat\":1700000000,"
	    "\"exp\":1700000900}",
	    "{\"sub\":-5,\"role\":\"a\",\"sid\":\"s\",\"jti\":\"j\",\"iat\":1700000000,"
	    "\"exp\":1700000900}",
	    "{\"sub\":1.0,\"role\":\"a\",\"sid\":\"s\",\"jti\":\"j\",\"iat\":1700000000,"
	    "\"exp\":1700000900}",
	    "{\"sub\":1,\"role\":\"a\",\"sid\":\"s\",\"jti\":\"j\",\"iat\":1700000000,"
	    "\"exp\":1700000900.5}",
	    "{\"sub\":1,\"role\":\"a\",\"sid\":\"s\",\"jti\":\"j\",\"iat\":1700000000,"
	    "\"exp\":\"1700000900\"}",
	    "{\"sub\":1,\"role\":\"a\",\"sid\":\"s\",\"jti\":\"j\",\"iat\":null,"
	    "\"exp\":1700000900}",
	    "{\"sub\":1,\"role\":7,\"sid\":\"s\",\"jti\":\"j\",\"iat\":1700000000,"
	    "\"exp\":1700000900}",
	    "{\"sub\":1,\"role\":\"a\",\"sid\":\"s\",\"jti\":[],\"iat\":1700000000,"
	    "\"exp\":1700000900}",
	    "{\"sub\":1,\"role\":\"\",\"sid\":\"s\",\"jti\":\"j\",\"iat\":1700000000,"
	    "\"exp\":1700000900}",
	    "{\"sub\":1,\"role\":\"a b\",\"sid\":\"s\",\"jti\":\"j\",\"iat\":1700000000,"
	    "\"exp\":1700000900}",
	    "{\"sub\":1,\"role\":\"ad\\u0000min\",\"sid\":\"s\",\"jti\":\"j\",\"iat\":1700000000,"
	    "\"exp\":1700000900}",
	    "{\"sub\":1,\"role\":\"0123456789012345678901234567890123\",\"sid\":\"s\","
	    "\"jti\":\"j\",\"iat\":1700000000,\"exp\":1700000900}",
	    "{\"sub\":1,\"sub\":2,\"role\":\"a\",\"sid\":\"s\",\"jti\":\"j\",\"iat\":1700000000,"
	    "\"exp\":1700000900}",
	    /* not an object at all */
	    "[1,2,3]",
	    "42",
	    "null",
	    "",
	    "{",
	};
	size_t i;

	for (i = 0; i < LF_ARRAY_LEN(payloads); i++)
		if (verify_payload(payloads[i]) != LF_ERR_AUTH)
			fail_msg("payload accepted: %s", payloads[i]);
	/* Control: the complete payload, plus an unknown claim, passes. */
	assert_int_equal(verify_payload("{\"sub\":1,\"role\":\"a\",\"sid\":\"s\",\"jti\":\"j\","
					"\"iat\":1700000000,\"exp\":1700000900,\"x\":[1]}"),
			 LF_OK);
}

static void test_garbage(void **state)
{
	static const char *tokens[] = {
	    "",
	    ".",
	    "..",
	    "...",
	    "abc",
	    "a.b",
	    "a.b.c",
	    "a.b.c.d",
	    "eyJhbGciOiJIUzI1NiJ9",
	    "Bearer xyz",
	    "eyJhbGciOiJIUzI1NiJ9.e30.",
	    "e30=.e30.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	    "e3+/.e30.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	    "!!!!.e30.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	    ".e30.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	};
	lf_jwt_claims out;
	char *big;
	size_t i;

	for (i = 0; i < LF_ARRAY_LEN(tokens); i++)
		if (lf_jwt_verify(key, tokens[i], NOW, &out) != LF_ERR_AUTH)
			fail_msg("token accepted: %s", tokens[i]);
	assert_int_equal(lf_jwt_verify(key, NULL, NOW, &out), LF_ERR_AUTH);

	big = malloc(LF_JWT_INPUT_MAX + 2);
	assert_non_null(big);
	memset(big, 'A', LF_JWT_INPUT_MAX + 1);
	big[100] = '.';
	big[200] = '.';
	big[LF_JWT_INPUT_MAX + 1] = '\0';
	assert_int_equal(lf_jwt_verify(key, big, NOW, &out), LF_ERR_AUTH);
	free(big);
}

/* An over-long but well-signed token is refused on length alone. */
static void test_too_long(void **state)
{
	char payload[LF_JWT_INPUT_MAX], tok[LF_JWT_INPUT_MAX * 2];
	lf_jwt_claims out;
	int n;

	n = snprintf(payload, sizeof(payload),
		     "{\"sub\":1,\"role\":\"a\",\"sid\":\"s\",\"jti\":\"j\",\"iat\":%d,"
		     "\"exp\":%d,\"pad\":\"",
		     NOW, NOW + 900);
	memset(payload + n, 'x', 3100);
	strcpy(payload + n + 3100, "\"}");
	craft(std_header, payload, 1, tok, sizeof(tok));
	assert_true(strlen(tok) > LF_JWT_INPUT_MAX);
	assert_int_equal(lf_jwt_verify(key, tok, NOW, &out), LF_ERR_AUTH);

	/* Control: 2900 bytes of padding stays under the limit and passes. */
	strcpy(payload + n + 2900, "\"}");
	craft(std_header, payload, 1, tok, sizeof(tok));
	assert_true(strlen(tok) <= LF_JWT_INPUT_MAX);
	assert_int_equal(lf_jwt_verify(key, tok, NOW, &out), LF_OK);
}

/* Correctly MACed, but the segments are not canonical base64url. */
static void test_signed_bad_base64(void **state)
{
	char hdr[128], pay[512], seg[1024];
	const char *payload = "{\"sub\":1,\"role\":\"a\",\"sid\":\"s\",\"jti\":\"j\","
			      "\"iat\":1700000000,\"exp\":1700000900}";
	size_t hl;

	sodium_bin2base64(hdr, sizeof(hdr), (const unsigned char *)std_header, strlen(std_header),
			  B64);
	sodium_bin2base64(pay, sizeof(pay), (const unsigned char *)payload, strlen(payload), B64);
	hl = strlen(hdr);

	snprintf(seg, sizeof(seg), "%s.%s", hdr, pay);
	assert_int_equal(verify_raw(seg), LF_OK);
	snprintf(seg, sizeof(seg), "%s=.%s", hdr, pay);
	assert_int_equal(verify_raw(seg), LF_ERR_AUTH);
	snprintf(seg, sizeof(seg), "%s.%s==", hdr, pay);
	assert_int_equal(verify_raw(seg), LF_ERR_AUTH);
	snprintf(seg, sizeof(seg), "%s.%s!", hdr, pay);
	assert_int_equal(verify_raw(seg), LF_ERR_AUTH);
	snprintf(seg, sizeof(seg), "%s.%s", hdr, pay);
	seg[hl / 2] = '+';
	assert_int_equal(verify_raw(seg), LF_ERR_AUTH);
	snprintf(seg, sizeof(seg), "%s. %s", hdr, pay);
	assert_int_equal(verify_raw(seg), LF_ERR_AUTH);
	snprintf(seg, sizeof(seg), ".%s", pay);
	assert_int_equal(verify_raw(seg), LF_ERR_AUTH);
	snprintf(seg, sizeof(seg), "%s.", hdr);
	assert_int_equal(verify_raw(seg), LF_ERR_AUTH);
}

static void test_sign_refuses_bad_claims(void **state)
{
	lf_jwt_claims c;
	char tok[LF_JWT_MAX];

	good_claims(&c);
	c.sub = 0;
	assert_int_equal(lf_jwt_sign(key, &c, tok, sizeof(tok)), LF_ERR_INVALID);
	good_claims(&c);
	c.jti[0] = '\0';
	assert_int_equal(lf_jwt_sign(key, &c, tok, sizeof(tok)), LF_ERR_INVALID);
	good_claims(&c);
	memset(c.role, 'r', sizeof(c.role));
	assert_int_equal(lf_jwt_sign(key, &c, tok, sizeof(tok)), LF_ERR_INVALID);
	good_claims(&c);
	strcpy(c.sid, "a\"b");
	assert_int_equal(lf_jwt_sign(key, &c, tok, sizeof(tok)), LF_OK);
	strcpy(c.sid, "a\nb");
	assert_int_equal(lf_jwt_sign(key, &c, tok, sizeof(tok)), LF_ERR_INVALID);
	good_claims(&c);
	assert_int_equal(lf_jwt_sign(key, &c, tok, 40), LF_ERR_LIMIT);
	assert_string_equal(tok, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_wrong_key),
	    cmocka_unit_test(test_tampered_payload),
	    cmocka_unit_test(test_tampered_signature),
	    cmocka_unit_test(test_alg_none),
	    cmocka_unit_test(test_bad_headers),
	    cmocka_unit_test(test_time_claims),
	    cmocka_unit_test(test_claims_required_and_typed),
	    cmocka_unit_test(test_garbage),
	    cmocka_unit_test(test_too_long),
	    cmocka_unit_test(test_signed_bad_base64),
	    cmocka_unit_test(test_sign_refuses_bad_claims),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
