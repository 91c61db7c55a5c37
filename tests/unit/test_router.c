/*
 * test_router.c - method + path matching: literals, captures, 404 vs 405.
 */
#include "http/http.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct match {
	int idx;
	int ncap;
	const char *cap[LF_HTTP_MAX_CAPTURES];
	char scratch[512];
};

static int dummy(lf_http_req *req);
static int do_match(const char *method, const char *path, struct match *m);

static int dummy(lf_http_req *req)
{
	return LF_OK;
}

static const lf_http_route routes[] = {
    {"GET", "/healthz", dummy, LF_BODY_NONE, 0, NULL, 0},				   /* 0 */
    {"GET", "/api/v1/users", dummy, LF_BODY_NONE, 0, NULL, 0},				   /* 1 */
    {"POST", "/api/v1/users", dummy, LF_BODY_JSON, 0, NULL, 0},				   /* 2 */
    {"GET", "/api/v1/users/{id}", dummy, LF_BODY_NONE, 0, NULL, 0},			   /* 3 */
    {"PATCH", "/api/v1/users/{id}", dummy, LF_BODY_JSON, 0, NULL, 0},			   /* 4 */
    {"GET", "/api/v1/users/me", dummy, LF_BODY_NONE, 0, NULL, 0},			   /* 5 */
    {"GET", "/api/v1/projects/{pid}/tasks/{tid}", dummy, LF_BODY_NONE, 0, NULL, 0},	   /* 6 */
    {"POST", "/api/v1/projects/{pid}/tasks/{tid}/claim", dummy, LF_BODY_NONE, 0, NULL, 0}, /* 7 */
    {"DELETE", "/api/v1/projects/{pid}/members/{uid}", dummy, LF_BODY_NONE, 0, NULL, 0},   /* 8 */
    {"GET", "/", dummy, LF_BODY_NONE, 0, NULL, 0},					   /* 9 */
};

/* Matches with a scratch buffer pre-filled with junk, so a match that
 * relied on the buffer's prior contents would show. */
static int do_match(const char *method, const char *path, struct match *m)
{
	memset(m, 0, sizeof(*m));
	memset(m->scratch, '#', sizeof(m->scratch));
	m->ncap = -7;
	m->idx = lf_http_route_match(routes, LF_ARRAY_LEN(routes), method, path, m->scratch, m->cap,
				     &m->ncap);
	return m->idx;
}

static void test_exact_paths(void **state)
{
	struct match m;

	assert_int_equal(do_match("GET", "/healthz", &m), 0);
	assert_int_equal(m.ncap, 0);
	assert_int_equal(do_match("GET", "/api/v1/users", &m), 1);
	assert_int_equal(m.ncap, 0);
	assert_int_equal(do_match("POST", "/api/v1/users", &m), 2);
	assert_int_equal(do_match("GET", "/", &m), 9);
	assert_int_equal(m.ncap, 0);
}

static void test_one_capture(void **state)
{
	struct match m;

	assert_int_equal(do_match("GET", "/api/v1/users/42", &m), 3);
	assert_int_equal(m.ncap, 1);
	assert_string_equal(m.cap[0], "42");
	/* The capture lives in the caller's scratch buffer. */
	assert_true(m.cap[0] >= m.scratch && m.cap[0] < m.scratch + sizeof(m.scratch));
	/* A capture takes any non-empty segment, not only digits. */
	assert_int_equal(do_match("PATCH", "/api/v1/users/abc-DEF_1", &m), 4);
	assert_int_equal(m.ncap, 1);
	assert_string_equal(m.cap[0], "abc-DEF_1");
	/* The first route in table order wins: {id} comes before "me". */
	assert_int_equal(do_match("GET", "/api/v1/users/me", &m), 3);
	assert_string_equal(m.cap[0], "me");
}

static void test_two_captures(void **state)
{
	struct match m;

	assert_int_equal(do_match("GET", "/api/v1/projects/7/tasks/1234", &m), 6);
	assert_int_equal(m.ncap, 2);
	assert_string_equal(m.cap[0], "7");
	assert_string_equal(m.cap[1], "1234");

	assert_int_equal(do_match("POST", "/api/v1/projects/9/tasks/55/claim", &m), 7);
	assert_int_equal(m.ncap, 2);
	assert_string_equal(m.cap[0], "9");
	assert_string_equal(m.cap[1], "55");

	assert_int_equal(do_match("DELETE", "/api/v1/projects/3/members/8", &m), 8);
	assert_int_equal(m.ncap, 2);
	assert_string_equal(m.cap[0], "3");
	assert_string_equal(m.cap[1], "8");
}

static void test_trailing_slash_and_extra_segments(void **state)
{
	struct match m;

	assert_int_equal(do_match("GET", "/healthz/", &m), -1);
	assert_int_equal(do_match("GET", "/api/v1/users/", &m), -1);
	assert_int_equal(do_match("GET", "/api/v1/users/42/", &m), -1);
	assert_int_equal(do_match("GET", "/api/v1/users/42/x", &m), -1);
	assert_int_equal(do_match("GET", "/api/v1/projects/7/tasks/1/", &m), -1);
	assert_int_equal(do_match("GET", "/api/v1/projects/7/tasks/1/extra", &m), -1);
	assert_int_equal(do_match("POST", "/api/v1/projects/7/tasks/1/claim/x", &m), -1);
	/* Missing segments and literal prefixes do not match either. */
	assert_int_equal(do_match("GET", "/api/v1/projects/7/tasks", &m), -1);
	assert_int_equal(do_match("GET", "/api/v1/projects/7", &m), -1);
	assert_int_equal(do_match("GET", "/api/v1/user", &m), -1);
	assert_int_equal(do_match("GET", "/api/v1/usersx", &m), -1);
	assert_int_equal(do_match("GET", "/healthzz", &m), -1);
	assert_int_equal(do_match("GET", "/api/v1/projects/7/members/8", &m), -2);
	assert_int_equal(do_match("GET", "", &m), -1);
	assert_int_equal(do_match("GET", "//", &m), -1);
}

static void test_empty_capture_refused(void **state)
{
	struct match m;

	assert_int_equal(do_match("GET", "/api/v1/projects//tasks/1", &m), -1);
	assert_int_equal(do_match("GET", "/api/v1/projects/7/tasks/", &m), -1);
	assert_int_equal(do_match("GET", "/api/v1/projects//tasks/", &m), -1);
	assert_int_equal(do_match("POST", "/api/v1/projects/7/tasks//claim", &m), -1);
	assert_int_equal(do_match("GET", "/api/v1/users//", &m), -1);
}

static void test_404_vs_405(void **state)
{
	struct match m;

	assert_int_equal(do_match("GET", "/nope", &m), -1);
	assert_int_equal(do_match("DELETE", "/nope", &m), -1);
	assert_int_equal(do_match("DELETE", "/api/v1/users", &m), -2);
	assert_int_equal(do_match("PUT", "/api/v1/users/5", &m), -2);
	assert_int_equal(do_match("POST", "/healthz", &m), -2);
	assert_int_equal(do_match("GET", "/api/v1/projects/1/tasks/2/claim", &m), -2);
	/* Method comparison is exact (case-sensitive). */
	assert_int_equal(do_match("get", "/healthz", &m), -2);
	assert_int_equal(do_match("GETX", "/healthz", &m), -2);
	assert_int_equal(do_match("", "/healthz", &m), -2);
	/* ncaptures is left alone when nothing matched. */
	assert_int_equal(do_match("GET", "/nope", &m), -1);
	assert_int_equal(m.ncap, -7);
}

static void test_method_selects_route(void **state)
{
	struct match m;

	/* Same pattern, the method picks the route even when it is not the
	 * first one whose path matches. */
	assert_int_equal(do_match("GET", "/api/v1/users/77", &m), 3);
	assert_int_equal(do_match("PATCH", "/api/v1/users/77", &m), 4);
	assert_int_equal(m.ncap, 1);
	assert_string_equal(m.cap[0], "77");
	assert_int_equal(do_match("POST", "/api/v1/users", &m), 2);
	assert_int_equal(m.ncap, 0);
}

/* The scratch buffer: exactly strlen(path)+1 bytes suffice, the caller's
 * path is never written, and a 405 leaves the scratch as a copy of path. */
static void test_scratch_buffer(void **state)
{
	const char *cap[LF_HTTP_MAX_CAPTURES];
	int ncap = 0;
	const char path_lit[] = "/api/v1/projects/12/tasks/345/claim";
	char *path = strdup(path_lit);
	size_t len = strlen(path);
	char *scratch = malloc(len + 1);

	assert_non_null(path);
	assert_non_null(scratch);
	int idx =
	    lf_http_route_match(routes, LF_ARRAY_LEN(routes), "POST", path, scratch, cap, &ncap);
	assert_int_equal(idx, 7);
	assert_int_equal(ncap, 2);
	assert_string_equal(cap[0], "12");
	assert_string_equal(cap[1], "345");
	assert_true(cap[0] >= scratch && cap[0] < scratch + len + 1);
	assert_true(cap[1] >= scratch && cap[1] < scratch + len + 1);
	assert_string_equal(path, path_lit);

	idx = lf_http_route_match(routes, LF_ARRAY_LEN(routes), "GET", path, scratch, cap, &ncap);
	assert_int_equal(idx, -2);
	assert_memory_equal(scratch, path_lit, len + 1);
	assert_string_equal(path, path_lit);

	/* Reusing the scratch for another path yields that path's captures:
	 * nothing from the previous match survives. */
	const char other[] = "/api/v1/users/9";
	idx = lf_http_route_match(routes, LF_ARRAY_LEN(routes), "GET", other, scratch, cap, &ncap);
	assert_int_equal(idx, 3);
	assert_int_equal(ncap, 1);
	assert_string_equal(cap[0], "9");
	free(scratch);
	free(path);
}

/* More captures than LF_HTTP_MAX_CAPTURES cannot match (no overflow). */
static void test_too_many_captures(void **state)
{
	static const lf_http_route many[] = {
	    {"GET", "/{a}/{b}/{c}/{d}/{e}", dummy, LF_BODY_NONE, 0, NULL, 0},
	    {"GET", "/{a}/{b}/{c}/{d}", dummy, LF_BODY_NONE, 0, NULL, 0},
	};
	const char *cap[LF_HTTP_MAX_CAPTURES + 1] = {0};
	char scratch[64];
	int ncap = 0;

	assert_int_equal(lf_http_route_match(many, 1, "GET", "/1/2/3/4/5", scratch, cap, &ncap),
			 -1);
	assert_null(cap[LF_HTTP_MAX_CAPTURES]);
	assert_int_equal(lf_http_route_match(many, 2, "GET", "/1/2/3/4", scratch, cap, &ncap), 1);
	assert_int_equal(ncap, 4);
	assert_string_equal(cap[0], "1");
	assert_string_equal(cap[3], "4");
	assert_int_equal(lf_http_route_match(many, 2, "GET", "/1/2/3/4/5", scratch, cap, &ncap),
			 -1);
	assert_int_equal(lf_http_route_match(many, 0, "GET", "/1", scratch, cap, &ncap), -1);
}

static int client_in(const char *ip, const lf_http_cidr *list, size_t n)
{
	lf_http_req req = {.arena = NULL};
	snprintf(req.client_ip, sizeof(req.client_ip), "%s", ip);
	return lf_http_client_in(&req, list, n);
}

/* Address blocks: prefixes on and off byte boundaries, both families,
 * bare addresses, and what is not a block. */
static void test_cidr(void **state)
{
	lf_http_cidr list[LF_HTTP_CIDR_MAX];
	size_t n = 0;
	char err[160];
	(void)state;

	assert_int_equal(lf_http_cidr_parse(" 10.0.0.0/8,192.168.4.0/22 ,::1, fd00::/8,203.0.113.7",
					    list, &n, err, sizeof(err)),
			 LF_OK);
	assert_int_equal(n, 5);
	assert_true(client_in("10.200.3.4", list, n));
	assert_true(client_in("192.168.7.255", list, n));
	assert_false(client_in("192.168.8.0", list, n));
	assert_true(client_in("::1", list, n));
	assert_true(client_in("fd12::5", list, n));
	assert_false(client_in("fe80::1", list, n));
	assert_true(client_in("203.0.113.7", list, n));
	assert_false(client_in("203.0.113.8", list, n));
	assert_false(client_in("127.0.0.1", list, n));
	assert_false(client_in("", list, n));

	assert_int_equal(lf_http_cidr_parse("0.0.0.0/0", list, &n, err, sizeof(err)), LF_OK);
	assert_true(client_in("198.51.100.1", list, n));
	assert_false(client_in("::1", list, n));
	assert_int_equal(lf_http_cidr_parse("", list, &n, err, sizeof(err)), LF_OK);
	assert_int_equal(n, 0);
	assert_false(client_in("127.0.0.1", list, n));

	const char *bad[] = {"10.0.0.0/33", "::/129",	    "10.0.0/8",	   "10.0.0.0/",
			     "10.0.0.0/x",  "host.example", "10.0.0.0/-1", "1.2.3.4/8/8"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(lf_http_cidr_parse(bad[i], list, &n, err, sizeof(err)),
				 LF_ERR_INVALID);
		assert_non_null(strstr(err, bad[i]));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exact_paths),
	    cmocka_unit_test(test_one_capture),
	    cmocka_unit_test(test_two_captures),
	    cmocka_unit_test(test_trailing_slash_and_extra_segments),
	    cmocka_unit_test(test_empty_capture_refused),
	    cmocka_unit_test(test_404_vs_405),
	    cmocka_unit_test(test_method_selects_route),
	    cmocka_unit_test(test_scratch_buffer),
	    cmocka_unit_test(test_too_many_captures),
	    cmocka_unit_test(test_cidr),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
