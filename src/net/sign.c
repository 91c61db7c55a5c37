/*
 * sign.c - request signatures (see sign.h).
 */
#include "net/sign.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* v1 signatures accepted in one header (secret rotation needs two). */
#define MAX_V1 8

static int parse_t(const char *s, size_t n, int64_t *t);

void lf_sign_key(const char *secret, unsigned char key[crypto_auth_hmacsha256_KEYBYTES])
{
	crypto_hash_sha256(key, (const unsigned char *)secret, strlen(secret));
}

void lf_sign_mac(const unsigned char *key, int64_t t, const char *body, size_t len,
		 unsigned char mac[crypto_auth_hmacsha256_BYTES])
{
	crypto_auth_hmacsha256_state st;
	char prefix[32];
	int n = snprintf(prefix, sizeof(prefix), "%" PRId64 ".", t);
	crypto_auth_hmacsha256_init(&st, key, crypto_auth_hmacsha256_KEYBYTES);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)prefix, (unsigned long long)n);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_memzero(&st, sizeof(st));
}

void lf_sign_header(const unsigned char *key, int64_t t, const char *body, size_t len,
		    char out[LF_SIGN_HEADER])
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char hex[LF_SIGN_HEX];
	lf_sign_mac(key, t, body, len, mac);
	sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
	snprintf(out, LF_SIGN_HEADER, "t=%" PRId64 ",v1=%s", t, hex);
}

int lf_sign(const char *secret, int64_t t, const char *body, size_t len, char hex_out[LF_SIGN_HEX])
{
	unsigned char key[crypto_auth_hmacsha256_KEYBYTES];
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	hex_out[0] = '\0';
	if (secret == NULL || secret[0] == '\0' || t < 0 || (body == NULL && len > 0))
		return LF_ERR_INVALID;
	if (sodium_init() < 0)
		return LF_ERR_INTERNAL;
	lf_sign_key(secret, key);
	lf_sign_mac(key, t, body != NULL ? body : "", len, mac);
	sodium_bin2hex(hex_out, LF_SIGN_HEX, mac, sizeof(mac));
	sodium_memzero(key, sizeof(key));
	return LF_OK;
}

static int parse_t(const char *s, size_t n, int64_t *t)
{
	int64_t v = 0;
	if (n == 0 || n > 18)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*t = v;
	return 1;
}

int lf_sign_verify(const char *secret, const char *header, const char *body, size_t len,
		   int64_t now, int64_t tolerance_s)
{
	unsigned char sigs[MAX_V1][crypto_auth_hmacsha256_BYTES];
	unsigned char key[crypto_auth_hmacsha256_KEYBYTES];
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	int nsig = 0, nt = 0, match = 0;
	int64_t t = 0;
	if (secret == NULL || secret[0] == '\0' || header == NULL || tolerance_s < 0 ||
	    (body == NULL && len > 0))
		return LF_ERR_INVALID;
	if (sodium_init() < 0)
		return LF_ERR_INTERNAL;
	for (const char *p = header; *p != '\0';) {
		const char *end = strchr(p, ',');
		size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
		if (n > 2 && strncmp(p, "t=", 2) == 0) {
			if (!parse_t(p + 2, n - 2, &t))
				return LF_ERR_INVALID;
			nt++;
		} else if (n == 3 + 2 * crypto_auth_hmacsha256_BYTES && strncmp(p, "v1=", 3) == 0 &&
			   nsig < MAX_V1) {
			size_t bin_len = 0;
			if (sodium_hex2bin(sigs[nsig], sizeof(sigs[nsig]), p + 3, n - 3, NULL,
					   &bin_len, NULL) != 0 ||
			    bin_len != sizeof(sigs[nsig]))
				return LF_ERR_INVALID;
			nsig++;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	if (nt != 1 || nsig == 0)
		return LF_ERR_INVALID;
	if (now - t > tolerance_s || t - now > tolerance_s)
		return LF_ERR_AUTH;
	lf_sign_key(secret, key);
	lf_sign_mac(key, t, body != NULL ? body : "", len, mac);
	sodium_memzero(key, sizeof(key));
	/* Every candidate is compared, so timing tells nothing about which
	 * (or whether one) matched. */
	for (int i = 0; i < nsig; i++)
		match |= crypto_verify_32(mac, sigs[i]) == 0;
	return match ? LF_OK : LF_ERR_AUTH;
}
