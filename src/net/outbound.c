/*
 * outbound.c - checking an administrator's URL and fetching exactly what
 * was checked (net/outbound.h).
 *
 * The judgement is by address, after resolution, never by the URL's text:
 * a host name, decimal, hex or octal IPv4, IPv6 and IPv4 inside IPv6 all
 * become bytes first, so no spelling escapes it. Resolution happens once
 * per request, and libcurl is pinned to the answer, so the name cannot
 * resolve to something else between the check and the connection.
 */
#include "net/outbound.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/lf.h"

/* An allow-list entry: a block of addresses, or a host name (family 0). */
struct entry {
	int family;
	unsigned char addr[16];
	int bits;
	char host[LF_OUTBOUND_HOST_MAX];
};

struct lf_outbound_allow {
	bool any;
	size_t n;
	struct entry e[LF_OUTBOUND_ALLOW_MAX];
};

static void curl_init_once(void);
static size_t host_norm(const char *host, char *out, size_t cap);
static int parse_entry(const char *text, struct entry *e);
static bool v4_internal(const unsigned char a[4]);
static bool v6_embedded_v4(const unsigned char a[16]);
static bool block_holds(const struct entry *e, int family, const unsigned char *bytes);
static bool allowed_addr(const lf_outbound_allow *allow, int family, const unsigned char *bytes);
static bool allowed_host(const lf_outbound_allow *allow, const char *host);
static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata);

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

/* curl_global_init is not thread-safe and must run once per process; it is
 * never undone because transfers may run until exit. */
static void curl_init_once(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int lf_outbound_ready(void)
{
	pthread_once(&curl_once, curl_init_once);
	return curl_init_rc == CURLE_OK ? LF_OK : LF_ERR_INTERNAL;
}

/* host lower-cased, without [brackets] or a final dot, into out; its
 * length, 0 when it does not fit. */
static size_t host_norm(const char *host, char *out, size_t cap)
{
	size_t n = strlen(host);
	if (n > 2 && host[0] == '[' && host[n - 1] == ']') {
		host++;
		n -= 2;
	}
	if (n > 1 && host[n - 1] == '.')
		n--;
	if (n == 0 || n >= cap)
		return 0;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)host[i]);
	out[n] = '\0';
	return n;
}

static int parse_entry(const char *text, struct entry *e)
{
	char addr[LF_OUTBOUND_ADDR_MAX];
	const char *slash = strchr(text, '/');
	size_t len = slash != NULL ? (size_t)(slash - text) : strlen(text);
	memset(e, 0, sizeof(*e));
	if (len == 0 || len >= sizeof(addr))
		goto name;
	memcpy(addr, text, len);
	addr[len] = '\0';
	if (inet_pton(AF_INET, addr, e->addr) == 1)
		e->family = AF_INET;
	else if (inet_pton(AF_INET6, addr, e->addr) == 1)
		e->family = AF_INET6;
	else
		goto name;
	int max = e->family == AF_INET ? 32 : 128;
	e->bits = max;
	if (slash != NULL) {
		char *end;
		long bits = strtol(slash + 1, &end, 10);
		if (!isdigit((unsigned char)slash[1]) || *end != '\0' || bits < 0 || bits > max)
			return LF_ERR_INVALID;
		e->bits = (int)bits;
	}
	return LF_OK;
name:
	/* Not an address: a host name, or nothing valid. */
	if (slash != NULL || host_norm(text, e->host, sizeof(e->host)) == 0)
		return LF_ERR_INVALID;
	for (const char *p = e->host; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
			return LF_ERR_INVALID;
	return LF_OK;
}

int lf_outbound_allow_parse(const char *list, bool any, lf_outbound_allow **out, char *err,
			    size_t errlen)
{
	char text[LF_OUTBOUND_HOST_MAX];
	int ret = LF_ERR_NOMEM;
	lf_outbound_allow *a = calloc(1, sizeof(*a));
	if (a == NULL) {
		snprintf(err, errlen, "out of memory reading the outbound allow-list");
		goto cleanup;
	}
	a->any = any;
	ret = LF_ERR_INVALID;
	for (const char *p = list != NULL ? list : ""; *p != '\0';) {
		p += strspn(p, ", \t");
		size_t len = strcspn(p, ", \t");
		if (len == 0)
			break;
		if (len >= sizeof(text) || a->n >= LF_OUTBOUND_ALLOW_MAX) {
			snprintf(err, errlen,
				 "'%.*s' is too long or one entry too many (at most %d)",
				 (int)(len > 64 ? 64 : len), p, LF_OUTBOUND_ALLOW_MAX);
			goto cleanup;
		}
		memcpy(text, p, len);
		text[len] = '\0';
		if (parse_entry(text, &a->e[a->n]) != LF_OK) {
			snprintf(err, errlen,
				 "'%.64s' is not an address, ADDRESS/BITS block or host name",
				 text);
			goto cleanup;
		}
		a->n++;
		p += len;
	}
	*out = a;
	a = NULL;
	ret = LF_OK;
cleanup:
	free(a);
	return ret;
}

void lf_outbound_allow_free(lf_outbound_allow *a)
{
	free(a);
}

/* 0/8 (unspecified, "this network"), 10/8, 100.64/10 (carrier NAT),
 * 127/8, 169.254/16 (link-local; cloud metadata lives there), 172.16/12,
 * 192.0.0/24, 192.168/16, 198.18/15 (benchmarking) and 224/3 (multicast,
 * reserved, broadcast). */
static bool v4_internal(const unsigned char a[4])
{
	return a[0] == 0 || a[0] == 10 || (a[0] == 100 && (a[1] & 0xc0) == 64) || a[0] == 127 ||
	       (a[0] == 169 && a[1] == 254) || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
	       (a[0] == 192 && a[1] == 0 && a[2] == 0) || (a[0] == 192 && a[1] == 168) ||
	       (a[0] == 198 && (a[1] & 0xfe) == 18) || a[0] >= 224;
}

/* IPv4 carried in IPv6 by mapping (::ffff:0:0/96), the old compatible
 * form (::/96, which holds :: and ::1 too) or NAT64 (64:ff9b::/96): the
 * operating system or a gateway delivers it to that IPv4 address. */
static bool v6_embedded_v4(const unsigned char a[16])
{
	static const unsigned char zero[12],
	    mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff},
	    nat64[12] = {0, 0x64, 0xff, 0x9b};
	return memcmp(a, zero, 12) == 0 || memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0;
}

/* Beyond embedded IPv4: fc00::/7 (unique-local), fe80::/10 (link-local)
 * and ff00::/8 (multicast). */
bool lf_outbound_internal(int family, const unsigned char *bytes)
{
	if (family == AF_INET)
		return v4_internal(bytes);
	if (v6_embedded_v4(bytes))
		return v4_internal(bytes + 12);
	return (bytes[0] & 0xfe) == 0xfc || (bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80) ||
	       bytes[0] == 0xff;
}

static bool block_holds(const struct entry *e, int family, const unsigned char *bytes)
{
	if (e->family != family)
		return false;
	int full = e->bits / 8, rest = e->bits % 8;
	if (memcmp(e->addr, bytes, (size_t)full) != 0)
		return false;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return rest == 0 || (e->addr[full] & mask) == (bytes[full] & mask);
}

/* An IPv4 address embedded in IPv6 is allowed by a block of either
 * family, as it is judged as both. */
static bool allowed_addr(const lf_outbound_allow *allow, int family, const unsigned char *bytes)
{
	if (allow == NULL)
		return false;
	if (allow->any)
		return true;
	for (size_t i = 0; i < allow->n; i++)
		if (block_holds(&allow->e[i], family, bytes) ||
		    (family == AF_INET6 && v6_embedded_v4(bytes) &&
		     block_holds(&allow->e[i], AF_INET, bytes + 12)))
			return true;
	return false;
}

static bool allowed_host(const lf_outbound_allow *allow, const char *host)
{
	char name[LF_OUTBOUND_HOST_MAX];
	if (allow == NULL || host_norm(host, name, sizeof(name)) == 0)
		return false;
	for (size_t i = 0; i < allow->n; i++)
		if (allow->e[i].family == 0 && strcmp(allow->e[i].host, name) == 0)
			return true;
	return false;
}

/* Parses with libcurl's own URL parser, so what is checked here is exactly
 * what libcurl will connect to. */
int lf_outbound_parse(const char *what, const char *url, lf_outbound_target *t, char *err,
		      size_t errlen)
{
	int ret = LF_ERR_INTERNAL;
	char *scheme = NULL, *h = NULL, *p = NULL;
	CURLU *u = NULL;
	memset(t, 0, sizeof(*t));
	if (lf_outbound_ready() != LF_OK) {
		snprintf(err, errlen, "libcurl failed to initialise");
		goto cleanup;
	}
	ret = LF_ERR_NOMEM;
	u = curl_url();
	if (u == NULL) {
		snprintf(err, errlen, "out of memory parsing %s url", what);
		goto cleanup;
	}
	ret = LF_ERR_INVALID;
	if (url == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) {
		snprintf(err, errlen, "%s url is not a valid absolute URL", what);
		goto cleanup;
	}
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
		snprintf(err, errlen, "%s url must use http or https, not %.16s", what, scheme);
		goto cleanup;
	}
	if (curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK || h[0] == '\0') {
		snprintf(err, errlen, "%s url names no host", what);
		goto cleanup;
	}
	if (strlen(h) >= sizeof(t->host)) {
		snprintf(err, errlen, "%s host name is too long", what);
		goto cleanup;
	}
	if (curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) != CURLUE_OK) {
		snprintf(err, errlen, "%s url has no valid port", what);
		goto cleanup;
	}
	snprintf(t->host, sizeof(t->host), "%s", h);
	t->port = strtol(p, NULL, 10);
	ret = LF_OK;
cleanup:
	curl_free(scheme);
	curl_free(h);
	curl_free(p);
	curl_url_cleanup(u);
	return ret;
}

int lf_outbound_resolve(const char *what, const lf_outbound_allow *allow, lf_outbound_target *t,
			char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL, *ai;
	char name[LF_OUTBOUND_HOST_MAX], text[INET6_ADDRSTRLEN];
	bool host_ok = allowed_host(allow, t->host);
	int ret = LF_ERR_INVALID, rc, n = 0;
	t->addr[0] = '\0';
	if (host_norm(t->host, name, sizeof(name)) == 0) {
		snprintf(err, errlen, "%s names no host", what);
		return LF_ERR_INVALID;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(name, NULL, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "%s host %.64s does not resolve: %s", what, t->host,
			 gai_strerror(rc));
		return rc == EAI_NONAME ? LF_ERR_INVALID : LF_ERR_IO;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		const unsigned char *bytes;
		if (ai->ai_family == AF_INET)
			bytes =
			    (const unsigned char *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr;
		else if (ai->ai_family == AF_INET6)
			bytes =
			    (const unsigned char *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
		else
			continue;
		if (inet_ntop(ai->ai_family, bytes, text, sizeof(text)) == NULL)
			continue;
		if (lf_outbound_internal(ai->ai_family, bytes) && !host_ok &&
		    !allowed_addr(allow, ai->ai_family, bytes)) {
			snprintf(err, errlen,
				 "%s host %.64s is the internal address %s (loopback, private, "
				 "link-local or reserved); list it in LABELFLOW_OUTBOUND_ALLOW to "
				 "allow it",
				 what, t->host, text);
			ret = LF_ERR_INVALID;
			t->addr[0] = '\0';
			goto cleanup;
		}
		if (n < LF_OUTBOUND_ADDRS) {
			size_t len = strlen(t->addr);
			snprintf(t->addr + len, sizeof(t->addr) - len,
				 ai->ai_family == AF_INET6 ? "%s[%s]" : "%s%s", n > 0 ? "," : "",
				 text);
			n++;
		}
		ret = LF_OK;
	}
	if (ret != LF_OK)
		snprintf(err, errlen, "%s host %.64s has no IP address", what, t->host);
cleanup:
	freeaddrinfo(res);
	return ret;
}

int lf_outbound_check(const char *what, const lf_outbound_allow *allow, const char *url,
		      lf_outbound_target *t, char *err, size_t errlen)
{
	int ret = lf_outbound_parse(what, url, t, err, errlen);
	return ret != LF_OK ? ret : lf_outbound_resolve(what, allow, t, err, errlen);
}

int lf_outbound_pin(const lf_outbound_target *t, struct curl_slist **out)
{
	char entry[LF_OUTBOUND_HOST_MAX + sizeof(t->addr) + 32];
	snprintf(entry, sizeof(entry), "%s:%ld:%s", t->host, t->port, t->addr);
	*out = curl_slist_append(NULL, entry);
	return *out != NULL ? LF_OK : LF_ERR_NOMEM;
}

/* Returning less than was offered makes libcurl stop with
 * CURLE_WRITE_ERROR: an endless answer costs cap bytes, not memory or
 * time. */
static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	lf_outbound_body *b = userdata;
	size_t n = size * nmemb;
	size_t room = b->cap - b->len;
	size_t take = n < room ? n : room;
	memcpy(b->data + b->len, ptr, take);
	b->len += take;
	b->data[b->len] = '\0';
	if (take < n)
		b->over = true;
	return take;
}

int lf_outbound_curl_setup(CURL *c, const char *url, struct curl_slist *pin, long timeout_ms,
			   lf_outbound_body *body, char *curl_err)
{
	body->len = 0;
	body->over = false;
	body->data[0] = '\0';
	curl_err[0] = '\0';
	return curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK ||
		       curl_easy_setopt(c, CURLOPT_RESOLVE, pin) != CURLE_OK ||
		       curl_easy_setopt(c, CURLOPT_PROXY, "") != CURLE_OK ||
		       curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
		       curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
#if LIBCURL_VERSION_NUM >= 0x075500
		       curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
		       curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") != CURLE_OK ||
#else
		       curl_easy_setopt(c, CURLOPT_PROTOCOLS,
					(long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) != CURLE_OK ||
		       curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS,
					(long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) != CURLE_OK ||
#endif
		       curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms) != CURLE_OK ||
		       curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms) != CURLE_OK ||
		       curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data) != CURLE_OK ||
		       curl_easy_setopt(c, CURLOPT_WRITEDATA, body) != CURLE_OK ||
		       curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err) != CURLE_OK
		   ? LF_ERR_INTERNAL
		   : LF_OK;
}
