/*
 * sign.c - short-lived signed media URLs, for the <img>, <audio> and
 * <video> tags that cannot send a bearer token: like a presigned URL, the
 * query carries an expiry, the user it was issued to, and an HMAC over
 * both and the item. The HMAC proves only that we issued the URL; the
 * server still checks, when serving, that the user is active and a member
 * of the item's project. With LABELFLOW_MEDIA_REDIRECT the link leads on
 * to the store's own presigned URL (lf_media_store_url).
 */
#include "media/media.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lf_media_url_key(const unsigned char jwt_key[32], unsigned char out[32])
{
	static const char label[] = "labelflow media url v1";
	crypto_auth_hmacsha256(out, (const unsigned char *)label, sizeof(label) - 1, jwt_key);
}

void lf_media_sign(const unsigned char key[32], int64_t media_id, int64_t exp, int64_t user_id,
		   char hex[65])
{
	char msg[80];
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	int n = snprintf(msg, sizeof(msg), "%lld.%lld.%lld", (long long)media_id, (long long)exp,
			 (long long)user_id);
	crypto_auth_hmacsha256(mac, (const unsigned char *)msg, (unsigned long long)n, key);
	sodium_bin2hex(hex, 65, mac, sizeof(mac));
}

int lf_media_sign_url(const unsigned char key[32], const char *origin, int64_t media_id,
		      int64_t exp, int64_t user_id, char *out, size_t len)
{
	char sig[65];
	lf_media_sign(key, media_id, exp, user_id, sig);
	int n = snprintf(out, len, "%s" LF_MEDIA_PATH "%lld?exp=%lld&uid=%lld&sig=%s",
			 origin != NULL ? origin : "", (long long)media_id, (long long)exp,
			 (long long)user_id, sig);
	return n >= 0 && (size_t)n < len ? LF_OK : LF_ERR_LIMIT;
}

int lf_media_sign_check(const unsigned char key[32], int64_t media_id, const char *exp,
			const char *uid, const char *sig, int64_t now, int64_t *user_id)
{
	int64_t e, u;
	char want[65];
	if (!lf_parse_pos(exp, &e) || !lf_parse_pos(uid, &u) || sig == NULL || strlen(sig) != 64)
		return LF_ERR_FORBIDDEN;
	lf_media_sign(key, media_id, e, u, want);
	if (sodium_memcmp(want, sig, 64) != 0 || e < now)
		return LF_ERR_FORBIDDEN;
	*user_id = u;
	return LF_OK;
}

int lf_media_store_url(lf_blob_store *bs, lf_arena *a, const char *key, const char *content_type,
		       int64_t exp, int64_t now, const char **url)
{
	char *presigned = NULL;
	int64_t ttl = exp - now;
	int ret = lf_blob_presign(bs, key, ttl > 1 ? (int)ttl : 1, content_type, &presigned);
	if (ret != LF_OK)
		return ret;
	*url = lf_arena_strdup(a, presigned);
	free(presigned);
	return *url != NULL ? LF_OK : LF_ERR_NOMEM;
}
