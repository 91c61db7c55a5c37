/*
 * router.c - method + path matching against a static route table.
 *
 * Tables are small (tens of routes) and matching is a linear scan over
 * path segments without allocation: cheaper than building a trie, and the
 * table stays readable as the one list of endpoints.
 */
#include "http/http.h"

#include <string.h>

static int match_path(const char *pattern, char *path, const char **captures, int *ncaptures);

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
