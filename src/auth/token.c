/*
 * token.c - opaque random tokens (refresh tokens) and short random ids.
 *
 * Refresh tokens are bearer secrets: the server keeps only their SHA-256, so
 * a leaked database does not yield usable tokens.
 */
#include "auth/auth.h"

#include <sodium.h>
#include <string.h>

int lf_token_new(char *out, size_t outlen)
{
	int ret = LF_ERR_INVALID;
	unsigned char raw[LF_TOKEN_BYTES];

	if (!out || outlen < LF_TOKEN_SIZE)
		goto cleanup;
	if (sodium_init() < 0) {
		ret = LF_ERR_INTERNAL;
		goto cleanup;
	}
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, outlen, raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	ret = LF_OK;

cleanup:
	sodium_memzero(raw, sizeof(raw));
	return ret;
}

void lf_token_hash(const char *token, char hex_out[LF_TOKEN_HASH_SIZE])
{
	unsigned char digest[crypto_hash_sha256_BYTES];

	if (sodium_init() < 0)
		lf_fatal("lf_token_hash: libsodium cannot be initialised");
	crypto_hash_sha256(digest, (const unsigned char *)token, strlen(token));
	sodium_bin2hex(hex_out, LF_TOKEN_HASH_SIZE, digest, sizeof(digest));
}

void lf_token_id(char *out, size_t outlen)
{
	unsigned char raw[(LF_TOKEN_ID_SIZE - 1) / 2];

	if (outlen < LF_TOKEN_ID_SIZE)
		lf_fatal("lf_token_id: buffer of %zu bytes, need %d", outlen, LF_TOKEN_ID_SIZE);
	if (sodium_init() < 0)
		lf_fatal("lf_token_id: libsodium cannot be initialised");
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(out, outlen, raw, sizeof(raw));
}
