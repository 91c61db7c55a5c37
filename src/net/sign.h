/*
 * sign.h - the signature of every request LabelFlow sends to a receiver
 * (the payout webhook, event webhooks), and its check for receivers.
 *
 * It follows Stripe's scheme ("LabelFlow-Signature: t=<unix>,v1=<hex>",
 * HMAC-SHA256 over "<t>.<body>") so receivers can reuse known code, and
 * the timestamp lets them refuse replays. The HMAC key is SHA-256 of the
 * secret, which lets a secret have any length while the key stays 32
 * bytes; a sender that signs often keeps the key (lf_sign_key) instead of
 * the secret.
 */
#ifndef LF_NET_SIGN_H
#define LF_NET_SIGN_H

#include <sodium.h>
#include <stddef.h>

#include "core/lf.h"

/* Buffer size for a hex signature (64 digits + NUL). */
#define LF_SIGN_HEX 65
/* Buffer size for a header value "t=<t>,v1=<hex>". */
#define LF_SIGN_HEADER 96

/* The HMAC key of secret. Pure; the caller wipes it when done. */
void lf_sign_key(const char *secret, unsigned char key[crypto_auth_hmacsha256_KEYBYTES]);
/* The MAC of "<t>.<body>" with key. Pure. */
void lf_sign_mac(const unsigned char *key, int64_t t, const char *body, size_t len,
		 unsigned char mac[crypto_auth_hmacsha256_BYTES]);
/* The header value "t=<t>,v1=<hex>" for body signed with key. Pure. */
void lf_sign_header(const unsigned char *key, int64_t t, const char *body, size_t len,
		    char out[LF_SIGN_HEADER]);

/*
 * Lowercase hex of the signature of body at t with secret.
 * LF_ERR_INVALID for an empty secret or a negative t.
 */
int lf_sign(const char *secret, int64_t t, const char *body, size_t len, char hex_out[LF_SIGN_HEX]);
/*
 * Checks a LabelFlow-Signature header value against body, for receivers.
 * The header holds comma-separated "key=value" parts: exactly one t and
 * one or more v1 (several allow secret rotation: any match passes); other
 * keys are ignored. Signatures are compared in constant time.
 * LF_OK when a v1 matches and |now - t| <= tolerance_s; LF_ERR_AUTH for a
 * wrong signature or a timestamp outside the tolerance (replay);
 * LF_ERR_INVALID for a malformed header, an empty secret or a negative
 * tolerance.
 */
int lf_sign_verify(const char *secret, const char *header, const char *body, size_t len,
		   int64_t now, int64_t tolerance_s);

#endif
