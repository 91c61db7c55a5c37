/*
 * outbound.h - the one place that decides whether a URL an administrator
 * configured (a payout webhook; next, ML backends and event webhooks) may
 * be fetched, and that makes libcurl fetch exactly what was checked.
 *
 * A URL is parsed with libcurl's own parser (what is checked is what
 * libcurl connects to): http or https only, with a host. The host is
 * resolved once; loopback, private, link-local (the cloud metadata
 * address 169.254.169.254 among them), carrier NAT, unique-local,
 * unspecified, multicast, broadcast and reserved addresses are refused in
 * every spelling (0x7f000001, 2130706433, 017700000001, ::ffff:127.0.0.1,
 * NAT64...), unless the allow-list (LABELFLOW_OUTBOUND_ALLOW) names the
 * host or a block holding the address. libcurl is then pinned to the
 * checked address (CURLOPT_RESOLVE), so a second DNS answer (rebinding)
 * cannot move the connection, and it follows no redirect, speaks only
 * http(s), uses no proxy, stops at a deadline and reads a bounded answer.
 *
 * Only URLs an administrator gives through the API or an operator sets
 * for a remote receiver go through here. The object stores' endpoints
 * (LABELFLOW_S3_ENDPOINT...) do not: they are the operator's own
 * infrastructure, often on loopback or a private network, and a bucket
 * source's URL names only a bucket on them (sources/sources.h).
 */
#ifndef LF_NET_OUTBOUND_H
#define LF_NET_OUTBOUND_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>

/* A host name as a URL spells it, with its terminating NUL. */
#define LF_OUTBOUND_HOST_MAX 256
/* A numeric address, [bracketed] when IPv6, and its separator. */
#define LF_OUTBOUND_ADDR_MAX 48
/* Addresses of a host pinned at most (the rest of its answers are
 * checked, not used). */
#define LF_OUTBOUND_ADDRS 8
/* Entries of an allow-list at most. */
#define LF_OUTBOUND_ALLOW_MAX 64

/* The addresses and host names internal targets may be reached at. */
typedef struct lf_outbound_allow lf_outbound_allow;

/* A checked URL's destination. */
typedef struct lf_outbound_target {
	char host[LF_OUTBOUND_HOST_MAX]; /* as the URL spells it, [brackets] for IPv6 */
	long port;			 /* the URL's, or its scheme's default */
	/* The checked addresses, comma-separated in DNS order (IPv4 and IPv6
	 * both, so libcurl may try either); "" until resolved. */
	char addr[LF_OUTBOUND_ADDR_MAX * LF_OUTBOUND_ADDRS];
} lf_outbound_target;

/* An answer read into a caller's buffer of cap + 1 bytes (NUL-terminated):
 * once cap bytes are in, the transfer stops and over is set. */
typedef struct lf_outbound_body {
	char *data;
	size_t cap;
	size_t len;
	bool over;
} lf_outbound_body;

/*
 * Parses list, comma-separated entries of ADDRESS, ADDRESS/BITS (IPv4 or
 * IPv6) or host names (letters, digits, '-', '.'; matched without regard
 * to case or a final dot); NULL or "" allows nothing. any allows every
 * address (the payout webhook's allow_private). LF_ERR_INVALID with a
 * sentence in err naming a bad entry. Owner: caller,
 * lf_outbound_allow_free. Read-only once made: safe from many threads.
 */
int lf_outbound_allow_parse(const char *list, bool any, lf_outbound_allow **out, char *err,
			    size_t errlen);
/* NULL ok. */
void lf_outbound_allow_free(lf_outbound_allow *a);

/*
 * Whether an address (family AF_INET with 4 bytes or AF_INET6 with 16) is
 * internal: this machine, its networks, or no public server's. IPv4
 * embedded in IPv6 (mapped, compatible, NAT64) is judged as that IPv4.
 */
bool lf_outbound_internal(int family, const unsigned char *bytes);

/*
 * Parses url: http or https, a host and a port. User information is
 * allowed (it is a credential, never the host). Pure: no DNS. what names
 * the URL in err ("the payout webhook"). LF_OK, LF_ERR_INVALID with a
 * sentence in err, LF_ERR_NOMEM.
 */
int lf_outbound_parse(const char *what, const char *url, lf_outbound_target *t, char *err,
		      size_t errlen);
/*
 * Resolves t->host once and writes its addresses (the first
 * LF_OUTBOUND_ADDRS) into t->addr.
 * Refused (LF_ERR_INVALID, err naming the address and
 * LABELFLOW_OUTBOUND_ALLOW) when any answer is internal and allow (NULL:
 * empty) permits neither the host nor that address: an answer list mixing
 * public and internal addresses is a rebinding trick. LF_ERR_INVALID for a
 * name that does not exist, LF_ERR_IO when DNS fails.
 */
int lf_outbound_resolve(const char *what, const lf_outbound_allow *allow, lf_outbound_target *t,
			char *err, size_t errlen);
/* lf_outbound_parse, then lf_outbound_resolve. */
int lf_outbound_check(const char *what, const lf_outbound_allow *allow, const char *url,
		      lf_outbound_target *t, char *err, size_t errlen);

/* The CURLOPT_RESOLVE list mapping a resolved t's host and port to its
 * addresses. Owner: caller, curl_slist_free_all. LF_OK or LF_ERR_NOMEM. */
int lf_outbound_pin(const lf_outbound_target *t, struct curl_slist **out);

/*
 * Sets on c what every outbound request needs: url, the pin (which must
 * outlive the transfer), no signals (threads), no redirects, http and
 * https only, no proxy (a proxy would connect where it likes), timeout_ms
 * for the connection and for the whole transfer, the answer into body
 * (reset here) and libcurl's message into curl_err (CURL_ERROR_SIZE
 * bytes). A transfer stopped by body's cap ends in CURLE_WRITE_ERROR with
 * body->over set. LF_OK, or LF_ERR_INTERNAL when libcurl refuses one.
 */
int lf_outbound_curl_setup(CURL *c, const char *url, struct curl_slist *pin, long timeout_ms,
			   lf_outbound_body *body, char *curl_err);

/* Initialises libcurl once per process (thread-safe); LF_OK or
 * LF_ERR_INTERNAL. The functions above that need libcurl call it. */
int lf_outbound_ready(void);

#endif
