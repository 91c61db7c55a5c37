/*
 * test_outbound.c - the outbound request guard (net/outbound.h): every
 * internal address class in every spelling refused, public addresses
 * passed and pinned, non-HTTP schemes and user-information tricks, the
 * allow-list (IPv4 and IPv6 blocks, host names, bad entries), and the curl
 * options against a real HTTP server run in-process with libmicrohttpd: a
 * redirect is not followed, an endless answer stops at the cap, and the
 * connection goes to the pinned address whatever the name.
 */
#include "net/outbound.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/lf.h"

/* The size of the answer the in-process server sends to /big. */
#define BIG_ANSWER (256 * 1024)

struct server {
	struct MHD_Daemon *d;
	unsigned port;
	int requests;
	char big[BIG_ANSWER];
};

/* Checks url with allow (NULL: empty) and returns the code; err and t are
 * the caller's. */
static int check(const lf_outbound_allow *allow, const char *url, lf_outbound_target *t, char *err,
		 size_t errlen)
{
	err[0] = '\0';
	return lf_outbound_check("the test url", allow, url, t, err, errlen);
}

static lf_outbound_allow *allow_of(const char *list)
{
	lf_outbound_allow *a = NULL;
	char err[256];
	assert_int_equal(lf_outbound_allow_parse(list, false, &a, err, sizeof(err)), LF_OK);
	return a;
}

/* Loopback, unspecified, private, carrier NAT, link-local (the cloud
 * metadata address), unique-local, multicast, broadcast and reserved
 * addresses, written every way libcurl and getaddrinfo accept: decimal,
 * hex, octal, short forms, IPv6, IPv4-mapped, IPv4-compatible and NAT64
 * IPv6, and a name (localhost) that resolves to loopback. */
static void test_internal_refused(void **state)
{
	static const char *const urls[] = {
	    "http://127.0.0.1/x",
	    "http://127.1/x",
	    "http://127.255.255.254/x",
	    "http://0x7f000001/x",
	    "http://0x7f.0.0.1/x",
	    "http://2130706433/x",
	    "http://017700000001/x",
	    "http://0177.0.0.1/x",
	    "http://localhost/x",
	    "http://LocalHost.:8080/x",
	    "http://[::1]/x",
	    "http://[0:0:0:0:0:0:0:1]/x",
	    "http://[::ffff:127.0.0.1]/x",
	    "http://[::ffff:7f00:1]/x",
	    "http://[::127.0.0.1]/x",
	    "http://[64:ff9b::7f00:1]/x",
	    "http://0.0.0.0/x",
	    "http://0/x",
	    "http://[::]/x",
	    "http://169.254.169.254/latest/meta-data/",
	    "http://0xa9fea9fe/latest/meta-data/",
	    "http://2852039166/latest/meta-data/",
	    "http://[::ffff:169.254.169.254]/latest/meta-data/",
	    "http://[64:ff9b::a9fe:a9fe]/x",
	    "http://[fe80::1]/x",
	    "http://[febf::1]/x",
	    "https://10.0.0.1/x",
	    "http://10.255.255.255/x",
	    "http://012.1.2.3/x",
	    "http://172.16.0.1/x",
	    "http://172.31.255.255/x",
	    "http://192.168.0.1/x",
	    "http://[::ffff:192.168.1.1]/x",
	    "http://[fc00::1]/x",
	    "http://[fd12:3456::1]/x",
	    "http://100.64.0.1/x",
	    "http://100.127.255.255/x",
	    "http://224.0.0.1/x",
	    "http://239.255.255.250/x",
	    "http://[ff02::1]/x",
	    "http://255.255.255.255/x",
	    "http://240.0.0.1/x",
	    "http://192.0.0.8/x",
	    "http://198.18.0.1/x",
	};
	lf_outbound_target t;
	char err[512];
	for (size_t i = 0; i < LF_ARRAY_LEN(urls); i++) {
		if (check(NULL, urls[i], &t, err, sizeof(err)) != LF_ERR_INVALID)
			fail_msg("%s was not refused", urls[i]);
		if (strstr(err, "internal address") == NULL ||
		    strstr(err, "LABELFLOW_OUTBOUND_ALLOW") == NULL)
			fail_msg("%s: refused without saying why: %s", urls[i], err);
		assert_string_equal(t.addr, "");
	}
}

/* Public neighbours of the refused blocks pass, and the checked address
 * is what the pin names. */
static void test_public_passed(void **state)
{
	static const struct {
		const char *url, *addr;
		long port;
	} cases[] = {
	    {"https://93.184.216.34/pay", "93.184.216.34", 443},
	    {"http://8.8.8.8:8080/x", "8.8.8.8", 8080},
	    {"http://134744072/x", "8.8.8.8", 80},
	    {"http://172.32.0.1/x", "172.32.0.1", 80},
	    {"http://172.15.255.255/x", "172.15.255.255", 80},
	    {"http://100.128.0.1/x", "100.128.0.1", 80},
	    {"http://100.63.255.255/x", "100.63.255.255", 80},
	    {"http://169.255.0.1/x", "169.255.0.1", 80},
	    {"http://11.0.0.1/x", "11.0.0.1", 80},
	    {"http://223.255.255.254/x", "223.255.255.254", 80},
	    {"http://[2606:4700::1111]/x", "[2606:4700::1111]", 80},
	    {"http://[::ffff:8.8.8.8]/x", "[::ffff:8.8.8.8]", 80},
	};
	lf_outbound_target t;
	struct curl_slist *pin = NULL;
	char err[512], want[LF_OUTBOUND_HOST_MAX + 64];
	for (size_t i = 0; i < LF_ARRAY_LEN(cases); i++) {
		if (check(NULL, cases[i].url, &t, err, sizeof(err)) != LF_OK)
			fail_msg("%s was refused: %s", cases[i].url, err);
		assert_string_equal(t.addr, cases[i].addr);
		assert_int_equal(t.port, cases[i].port);
		assert_int_equal(lf_outbound_pin(&t, &pin), LF_OK);
		snprintf(want, sizeof(want), "%s:%ld:%s", t.host, cases[i].port, cases[i].addr);
		assert_string_equal(pin->data, want);
		assert_null(pin->next);
		curl_slist_free_all(pin);
	}
}

/* The byte-level judgement at the edges of each block. */
static void test_internal_bytes(void **state)
{
	static const struct {
		const char *ip;
		bool internal;
	} cases[] = {
	    {"0.255.255.255", true},
	    {"1.0.0.0", false},
	    {"9.255.255.255", false},
	    {"10.0.0.0", true},
	    {"100.63.255.255", false},
	    {"100.64.0.0", true},
	    {"100.127.255.255", true},
	    {"100.128.0.0", false},
	    {"126.255.255.255", false},
	    {"127.0.0.0", true},
	    {"128.0.0.0", false},
	    {"169.253.255.255", false},
	    {"169.254.0.0", true},
	    {"169.254.255.255", true},
	    {"169.255.0.0", false},
	    {"172.15.255.255", false},
	    {"172.16.0.0", true},
	    {"172.31.255.255", true},
	    {"172.32.0.0", false},
	    {"192.167.255.255", false},
	    {"192.168.0.0", true},
	    {"192.169.0.0", false},
	    {"223.255.255.255", false},
	    {"224.0.0.0", true},
	    {"::", true},
	    {"::1", true},
	    {"::2", true},
	    {"::ffff:10.0.0.1", true},
	    {"::ffff:1.1.1.1", false},
	    {"fbff::1", false},
	    {"fc00::", true},
	    {"fdff::1", true},
	    {"fe00::1", false},
	    {"fe80::", true},
	    {"febf:ffff::1", true},
	    {"fec0::1", false},
	    {"ff00::", true},
	    {"2001:db8::1", false},
	    {"64:ff9b::808:808", false},
	    {"64:ff9b::a00:1", true},
	};
	unsigned char bytes[16];
	for (size_t i = 0; i < LF_ARRAY_LEN(cases); i++) {
		int family = strchr(cases[i].ip, ':') != NULL ? AF_INET6 : AF_INET;
		assert_int_equal(inet_pton(family, cases[i].ip, bytes), 1);
		if (lf_outbound_internal(family, bytes) != cases[i].internal)
			fail_msg("%s should%s be internal", cases[i].ip,
				 cases[i].internal ? "" : " not");
	}
}

/* Only http and https, absolute, with a host. */
static void test_schemes(void **state)
{
	static const char *const urls[] = {
	    "file:///etc/passwd",
	    "file://localhost/etc/passwd",
	    "gopher://8.8.8.8:70/_GET",
	    "ftp://8.8.8.8/x",
	    "dict://8.8.8.8:11211/stats",
	    "ldap://8.8.8.8/x",
	    "ws://8.8.8.8/x",
	    "javascript:alert(1)",
	    "//8.8.8.8/x",
	    "/relative/path",
	    "8.8.8.8",
	    "http://",
	    "http:///x",
	    "",
	};
	lf_outbound_target t;
	char err[512];
	for (size_t i = 0; i < LF_ARRAY_LEN(urls); i++) {
		if (check(NULL, urls[i], &t, err, sizeof(err)) != LF_ERR_INVALID)
			fail_msg("%s was not refused", urls[i]);
		assert_null(strstr(err, "internal address"));
	}
	assert_int_equal(check(NULL, "gopher://8.8.8.8/x", &t, err, sizeof(err)), LF_ERR_INVALID);
	assert_non_null(strstr(err, "http or https"));
	assert_int_equal(check(NULL, NULL, &t, err, sizeof(err)), LF_ERR_INVALID);
}

/* User information is a credential, never the host: the host judged is
 * the one after '@', the one libcurl connects to. */
static void test_userinfo(void **state)
{
	static const char *const refused[] = {
	    "http://8.8.8.8@127.0.0.1/x",
	    "http://user:pass@169.254.169.254/latest/meta-data/",
	    "http://example.com:80@localhost/x",
	    "http://8.8.8.8:80@[::1]/x",
	    "http://127.0.0.1#@8.8.8.8/x",
	    "http://127.0.0.1?@8.8.8.8/x",
	};
	lf_outbound_target t;
	char err[512];
	for (size_t i = 0; i < LF_ARRAY_LEN(refused); i++)
		if (check(NULL, refused[i], &t, err, sizeof(err)) != LF_ERR_INVALID)
			fail_msg("%s was not refused", refused[i]);
	assert_int_equal(check(NULL, "https://user:secret@8.8.8.8/hook", &t, err, sizeof(err)),
			 LF_OK);
	assert_string_equal(t.host, "8.8.8.8");
	assert_int_equal(check(NULL, "http://127.0.0.1@8.8.8.8/x", &t, err, sizeof(err)), LF_OK);
	assert_string_equal(t.addr, "8.8.8.8");
}

/* IPv4 and IPv6 blocks allow the internal addresses inside them, in any
 * spelling, and no others; a host name allows that name only. */
static void test_allow_list(void **state)
{
	lf_outbound_target t;
	char err[512];
	lf_outbound_allow *a = allow_of("10.1.0.0/16, 127.0.0.0/8,fd00::/8 ,::1/128,169.254.1.1");
	static const char *const allowed[] = {
	    "http://127.0.0.1/x",
	    "http://0x7f000001/x",
	    "http://2130706433/x",
	    "http://[::ffff:127.0.0.1]/x",
	    "http://10.1.2.3/x",
	    "http://[fd12::1]/x",
	    "http://[::1]/x",
	    "http://169.254.1.1/x",
	    "http://8.8.8.8/x",
	    "http://localhost/x",
	    "http://[64:ff9b::7f00:1]/x",
	};
	static const char *const refused[] = {
	    "http://10.2.0.1/x",	"http://[fc00::1]/x",
	    "http://192.168.1.1/x",	"http://[::2]/x",
	    "http://169.254.169.254/x", "http://[fe80::1]/x",
	    "http://0.0.0.0/x",		"http://[::ffff:169.254.169.254]/x",
	};
	for (size_t i = 0; i < LF_ARRAY_LEN(allowed); i++)
		if (check(a, allowed[i], &t, err, sizeof(err)) != LF_OK)
			fail_msg("%s was refused: %s", allowed[i], err);
	for (size_t i = 0; i < LF_ARRAY_LEN(refused); i++)
		if (check(a, refused[i], &t, err, sizeof(err)) != LF_ERR_INVALID)
			fail_msg("%s was not refused", refused[i]);
	lf_outbound_allow_free(a);

	a = allow_of("LocalHost., metadata.internal");
	assert_int_equal(check(a, "http://localhost:9000/x", &t, err, sizeof(err)), LF_OK);
	assert_true(strstr(t.addr, "127.0.0.1") != NULL || strstr(t.addr, "[::1]") != NULL);
	assert_int_equal(check(a, "http://LOCALHOST/x", &t, err, sizeof(err)), LF_OK);
	assert_int_equal(check(a, "http://127.0.0.1/x", &t, err, sizeof(err)), LF_ERR_INVALID);
	assert_int_equal(check(a, "http://[::1]/x", &t, err, sizeof(err)), LF_ERR_INVALID);
	lf_outbound_allow_free(a);

	a = allow_of("");
	assert_int_equal(check(a, "http://127.0.0.1/x", &t, err, sizeof(err)), LF_ERR_INVALID);
	lf_outbound_allow_free(a);

	assert_int_equal(lf_outbound_allow_parse(NULL, true, &a, err, sizeof(err)), LF_OK);
	assert_int_equal(check(a, "http://169.254.169.254/x", &t, err, sizeof(err)), LF_OK);
	assert_int_equal(check(a, "http://[::1]/x", &t, err, sizeof(err)), LF_OK);
	assert_int_equal(check(a, "file:///etc/passwd", &t, err, sizeof(err)), LF_ERR_INVALID);
	lf_outbound_allow_free(a);
}

static void test_allow_list_bad_entries(void **state)
{
	static const char *const bad[] = {
	    "10.0.0.0/33", "::1/129",	   "10.0.0.0/",	   "10.0.0.0/x", "10.0.0.0/-1",
	    "host/8",	   "exa_mple.com", "http://a.com", "a.com:80",	 "10.0.0.0/8,bad!",
	};
	lf_outbound_allow *a = NULL;
	char err[256];
	for (size_t i = 0; i < LF_ARRAY_LEN(bad); i++) {
		if (lf_outbound_allow_parse(bad[i], false, &a, err, sizeof(err)) != LF_ERR_INVALID)
			fail_msg("'%s' was accepted", bad[i]);
		assert_non_null(strstr(err, "is not an address"));
	}
	char many[2048] = "";
	for (int i = 0; i <= LF_OUTBOUND_ALLOW_MAX; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "10.0.%d.0/24,", i);
	assert_int_equal(lf_outbound_allow_parse(many, false, &a, err, sizeof(err)),
			 LF_ERR_INVALID);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_len, void **con_cls)
{
	struct server *s = cls;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	s->requests++;
	if (strcmp(url, "/big") == 0) {
		resp =
		    MHD_create_response_from_buffer(sizeof(s->big), s->big, MHD_RESPMEM_PERSISTENT);
		ret = MHD_queue_response(conn, 200, resp);
	} else {
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
		MHD_add_response_header(resp, "Location", "http://8.8.8.8/elsewhere");
		ret = MHD_queue_response(conn, 302, resp);
	}
	MHD_destroy_response(resp);
	return ret;
}

static int setup(void **state)
{
	struct server *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -1;
	memset(s->big, 'x', sizeof(s->big));
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = 0};
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_request, s,
				MHD_OPTION_SOCK_ADDR, &sin, MHD_OPTION_END);
	if (s->d == NULL) {
		free(s);
		return -1;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info != NULL ? info->port : 0;
	*state = s;
	return s->port != 0 ? 0 : -1;
}

static int teardown(void **state)
{
	struct server *s = *state;
	MHD_stop_daemon(s->d);
	free(s);
	return 0;
}

/* Fetches url with the guard's options, pinned to the checked address of
 * pin_url (allowed: the server is on loopback). */
static CURLcode fetch(const char *url, const char *pin_url, lf_outbound_body *body, long *status)
{
	lf_outbound_allow *a = allow_of("127.0.0.1");
	lf_outbound_target t;
	struct curl_slist *pin = NULL;
	char err[512], curl_err[CURL_ERROR_SIZE];
	CURL *c = curl_easy_init();
	assert_non_null(c);
	assert_int_equal(check(a, pin_url, &t, err, sizeof(err)), LF_OK);
	snprintf(t.host, sizeof(t.host), "pinned.invalid");
	assert_int_equal(lf_outbound_pin(&t, &pin), LF_OK);
	assert_int_equal(lf_outbound_curl_setup(c, url, pin, 5000, body, curl_err), LF_OK);
	CURLcode rc = curl_easy_perform(c);
	*status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_easy_cleanup(c);
	curl_slist_free_all(pin);
	lf_outbound_allow_free(a);
	return rc;
}

/* A redirect is answered, not followed (only one request arrives), and a
 * name that does not exist in DNS reaches the pinned address. */
static void test_no_redirect_and_pin(void **state)
{
	struct server *s = *state;
	char url[128], pin_url[128], data[1025];
	lf_outbound_body body = {.data = data, .cap = sizeof(data) - 1};
	long status;
	snprintf(url, sizeof(url), "http://pinned.invalid:%u/redirect", s->port);
	snprintf(pin_url, sizeof(pin_url), "http://127.0.0.1:%u/", s->port);
	assert_int_equal(fetch(url, pin_url, &body, &status), CURLE_OK);
	assert_int_equal(status, 302);
	assert_int_equal(s->requests, 1);
	assert_false(body.over);
}

/* An answer larger than the cap stops the transfer with cap bytes read. */
static void test_response_cap(void **state)
{
	struct server *s = *state;
	char url[128], pin_url[128], data[1025];
	lf_outbound_body body = {.data = data, .cap = sizeof(data) - 1};
	long status;
	snprintf(url, sizeof(url), "http://pinned.invalid:%u/big", s->port);
	snprintf(pin_url, sizeof(pin_url), "http://127.0.0.1:%u/", s->port);
	assert_int_equal(fetch(url, pin_url, &body, &status), CURLE_WRITE_ERROR);
	assert_int_equal(status, 200);
	assert_true(body.over);
	assert_int_equal(body.len, 1024);
	assert_int_equal(strlen(data), 1024);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_internal_refused),
	    cmocka_unit_test(test_public_passed),
	    cmocka_unit_test(test_internal_bytes),
	    cmocka_unit_test(test_schemes),
	    cmocka_unit_test(test_userinfo),
	    cmocka_unit_test(test_allow_list),
	    cmocka_unit_test(test_allow_list_bad_entries),
	    cmocka_unit_test_setup_teardown(test_no_redirect_and_pin, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_response_cap, setup, teardown),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
