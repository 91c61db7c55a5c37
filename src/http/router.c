/*
 * router.c - method + path matching against a static route table.
 *
 * Tables are small (tens of routes) and matching is a linear scan over
 * path segments without allocation: cheaper than building a trie, and the
 * table stays readable as the one list of endpoints. Also the address
 * blocks that some routes are limited to.
 */
#include "http/http.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static int match_path(const char *pattern, char *path, const char **captures, int *ncaptures);
static int cidr_entry(const char *text, lf_http_cidr *c);

/* Splits path in place at '/' while walking pattern; a "{name}" segment
 * captures any non-empty segment. */
static int match_path(const char *pattern, char *path, const char **captures, int *ncaptures)
{
	const char *p = pattern;
	char *s = path;
	int n = 0;
	while (*p != '\0' && *s != '\0') {
		if (*p == '{') {
			const char *close = strchr(p, '}');
			if (close == NULL || n >= LF_HTTP_MAX_CAPTURES)
				return 0;
			char *end = strchr(s, '/');
			size_t len = end != NULL ? (size_t)(end - s) : strlen(s);
			if (len == 0)
				return 0;
			captures[n++] = s;
			p = close + 1;
			s += len;
			if (*s == '/') {
				if (*p != '/')
					return 0;
				*s = '\0';
				s++;
				p++;
			}
			continue;
		}
		if (*p != *s)
			return 0;
		p++;
		s++;
	}
	if (*p != '\0' || *s != '\0')
		return 0;
	*ncaptures = n;
	return 1;
}

int lf_http_route_match(const lf_http_route *routes, size_t n, const char *method, const char *path,
			char *scratch, const char **captures, int *ncaptures)
{
	int path_matched = 0;
	size_t len = strlen(path);
	for (size_t i = 0; i < n; i++) {
		memcpy(scratch, path, len + 1);
		int nc = 0;
		if (!match_path(routes[i].pattern, scratch, captures, &nc))
			continue;
		path_matched = 1;
		if (strcmp(routes[i].method, method) == 0) {
			*ncaptures = nc;
			return (int)i;
		}
	}
	if (path_matched)
		memcpy(scratch, path, len + 1);
	return path_matched ? -2 : -1;
}

/* One entry of a CIDR list, NUL-terminated text without spaces. */
static int cidr_entry(const char *text, lf_http_cidr *c)
{
	char addr[64];
	const char *slash = strchr(text, '/');
	size_t len = slash != NULL ? (size_t)(slash - text) : strlen(text);
	if (len == 0 || len >= sizeof(addr))
		return LF_ERR_INVALID;
	memcpy(addr, text, len);
	addr[len] = '\0';
	memset(c, 0, sizeof(*c));
	if (inet_pton(AF_INET, addr, c->addr) == 1)
		c->family = AF_INET;
	else if (inet_pton(AF_INET6, addr, c->addr) == 1)
		c->family = AF_INET6;
	else
		return LF_ERR_INVALID;
	int max = c->family == AF_INET ? 32 : 128;
	c->bits = max;
	if (slash != NULL) {
		char *end;
		long bits = strtol(slash + 1, &end, 10);
		if (slash[1] == '\0' || !isdigit((unsigned char)slash[1]) || *end != '\0' ||
		    bits < 0 || bits > max)
			return LF_ERR_INVALID;
		c->bits = (int)bits;
	}
	return LF_OK;
}

int lf_http_cidr_parse(const char *list, lf_http_cidr *out, size_t *n, char *err, size_t errlen)
{
	char entry[96];
	*n = 0;
	for (const char *p = list; *p != '\0';) {
		while (*p == ' ' || *p == ',')
			p++;
		size_t len = strcspn(p, ", ");
		if (len == 0)
			break;
		if (len >= sizeof(entry) || *n >= LF_HTTP_CIDR_MAX) {
			snprintf(err, errlen,
				 "'%.*s' is too long or one block too many (at most %d)",
				 (int)(len > 64 ? 64 : len), p, LF_HTTP_CIDR_MAX);
			return LF_ERR_INVALID;
		}
		memcpy(entry, p, len);
		entry[len] = '\0';
		if (cidr_entry(entry, &out[*n]) != LF_OK) {
			snprintf(err, errlen, "'%s' is not an address or ADDRESS/BITS block",
				 entry);
			return LF_ERR_INVALID;
		}
		(*n)++;
		p += len;
	}
	return LF_OK;
}

int lf_http_client_in(const lf_http_req *req, const lf_http_cidr *list, size_t n)
{
	return lf_http_addr_in(req->client_ip, list, n);
}

int lf_http_addr_in(const char *ip, const lf_http_cidr *list, size_t n)
{
	lf_http_cidr who;
	if (strchr(ip, '/') != NULL || cidr_entry(ip, &who) != LF_OK)
		return 0;
	for (size_t i = 0; i < n; i++) {
		const lf_http_cidr *c = &list[i];
		if (c->family != who.family)
			continue;
		int full = c->bits / 8, rest = c->bits % 8;
		if (memcmp(c->addr, who.addr, (size_t)full) != 0)
			continue;
		unsigned char mask = (unsigned char)(0xff << (8 - rest));
		if (rest == 0 || (c->addr[full] & mask) == (who.addr[full] & mask))
			return 1;
	}
	return 0;
}
