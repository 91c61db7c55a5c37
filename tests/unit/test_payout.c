/*
 * test_payout.c - payout adapters: CSV statement rows (quoting, formula
 * injection guard, currency exponents, refused items), webhook signatures
 * (known vector, tampering, wrong secret, replay window), and the webhook
 * adapter against a real HTTP receiver run in-process with libmicrohttpd
 * that checks every signature and records idempotency keys.
 */
#include "payout/payout.h"
#include "net/sign.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SECRET	      "whsec_test"
#define MAX_SEEN      16
#define BODY_MAX      2048
#define DEFAULT_REPLY "{\"reference\":\"tx-123\"}"

/* What the receiver answers and what it saw; guarded by mu because
 * libmicrohttpd runs the handler on its own threads. */
struct receiver {
	struct MHD_Daemon *d;
	unsigned port;
	pthread_mutex_t mu;
	int fail_first;
	int64_t bad_item;
	unsigned status;
	const char *reply;
	int delay_ms;
	int requests;
	int verified;
	int forged;
	char keys[MAX_SEEN][300];
	char last_body[BODY_MAX];
	char last_ctype[64];
};

struct upload {
	char data[BODY_MAX];
	size_t len;
};

static lf_payout_item make_item(int64_t id);
static void expect_row(const lf_payout_item *item, const char *line);
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls);
static void on_done(void *cls, struct MHD_Connection *conn, void **con_cls,
		    enum MHD_RequestTerminationCode toe);
static int setup(void **state);
static int teardown(void **state);
static lf_payout_adapter *webhook_for(struct receiver *r, const char *secret, int timeout_ms);

static lf_payout_item make_item(int64_t id)
{
	lf_payout_item it = {
	    .id = id,
	    .batch_id = 7,
	    .user_id = 42,
	    .email = "ann@example.com",
	    .name = "Ann",
	    .project_id = 3,
	    .currency = "USD",
	    .amount = 1234,
	    .idempotency_key = "batch-7:1",
	};
	return it;
}

static void expect_row(const lf_payout_item *item, const char *line)
{
	char buf[1024];
	size_t n = 99;
	assert_int_equal(lf_payout_csv_row(buf, sizeof(buf), item, &n), LF_OK);
	assert_string_equal(buf, line);
	assert_int_equal(n, strlen(line));
}

static void test_csv_header(void **state)
{
	assert_string_equal(lf_payout_csv_header(),
			    "item_id,batch_id,user_id,email,name,project_id,currency,"
			    "amount_minor,amount,idempotency_key\r\n");
}

static void test_csv_plain_row(void **state)
{
	lf_payout_item it = make_item(1);
	expect_row(&it, "1,7,42,ann@example.com,Ann,3,USD,1234,12.34,batch-7:1\r\n");
	it.email = NULL;
	it.name = NULL;
	expect_row(&it, "1,7,42,,,3,USD,1234,12.34,batch-7:1\r\n");
}

static void test_csv_quoting(void **state)
{
	lf_payout_item it = make_item(1);
	it.name = "Smith, \"Jo\"";
	expect_row(&it,
		   "1,7,42,ann@example.com,\"Smith, \"\"Jo\"\"\",3,USD,1234,12.34,batch-7:1\r\n");
	it.name = "two\nlines";
	expect_row(&it, "1,7,42,ann@example.com,\"two\nlines\",3,USD,1234,12.34,batch-7:1\r\n");
	it.name = "cr\rhere";
	expect_row(&it, "1,7,42,ann@example.com,\"cr\rhere\",3,USD,1234,12.34,batch-7:1\r\n");
	it.name = "a\"b";
	expect_row(&it, "1,7,42,ann@example.com,\"a\"\"b\",3,USD,1234,12.34,batch-7:1\r\n");
}

static void test_csv_injection_guard(void **state)
{
	lf_payout_item it = make_item(1);
	it.name = "=HYPERLINK(\"http://x\")";
	expect_row(&it, "1,7,42,ann@example.com,\"'=HYPERLINK(\"\"http://x\"\")\",3,USD,1234,"
			"12.34,batch-7:1\r\n");
	it.name = "+1";
	expect_row(&it, "1,7,42,ann@example.com,'+1,3,USD,1234,12.34,batch-7:1\r\n");
	it.name = "-2+3";
	expect_row(&it, "1,7,42,ann@example.com,'-2+3,3,USD,1234,12.34,batch-7:1\r\n");
	it.name = "@SUM(A1)";
	expect_row(&it, "1,7,42,ann@example.com,'@SUM(A1),3,USD,1234,12.34,batch-7:1\r\n");
	it.name = "\tx";
	expect_row(&it, "1,7,42,ann@example.com,'\tx,3,USD,1234,12.34,batch-7:1\r\n");
	it.name = "\rx";
	expect_row(&it, "1,7,42,ann@example.com,\"'\rx\",3,USD,1234,12.34,batch-7:1\r\n");
	it.name = "a=b";
	it.email = "=cmd|' /C calc'!A0";
	expect_row(&it, "1,7,42,'=cmd|' /C calc'!A0,a=b,3,USD,1234,12.34,batch-7:1\r\n");
	it.email = "x@y";
	it.idempotency_key = "-k:1";
	expect_row(&it, "1,7,42,x@y,a=b,3,USD,1234,12.34,'-k:1\r\n");
}

static void test_csv_currency_exponents(void **state)
{
	lf_payout_item it = make_item(1);
	it.currency = "JPY";
	expect_row(&it, "1,7,42,ann@example.com,Ann,3,JPY,1234,1234,batch-7:1\r\n");
	it.currency = "KRW";
	expect_row(&it, "1,7,42,ann@example.com,Ann,3,KRW,1234,1234,batch-7:1\r\n");
	it.currency = "EUR";
	it.amount = 5;
	expect_row(&it, "1,7,42,ann@example.com,Ann,3,EUR,5,0.05,batch-7:1\r\n");
	it.amount = 100;
	expect_row(&it, "1,7,42,ann@example.com,Ann,3,EUR,100,1.00,batch-7:1\r\n");
	it.currency = "KWD";
	it.amount = 1234;
	expect_row(&it, "1,7,42,ann@example.com,Ann,3,KWD,1234,1.234,batch-7:1\r\n");
	it.amount = 5;
	expect_row(&it, "1,7,42,ann@example.com,Ann,3,KWD,5,0.005,batch-7:1\r\n");
	const char *three[] = {"BHD", "JOD", "OMR", "TND"};
	for (size_t i = 0; i < 4; i++) {
		char line[256];
		it.currency = three[i];
		it.amount = 1001;
		snprintf(line, sizeof(line),
			 "1,7,42,ann@example.com,Ann,3,%s,1001,1.001,batch-7:1\r\n", three[i]);
		expect_row(&it, line);
	}
	it.currency = "BHD";
	it.amount = INT64_MAX;
	expect_row(&it, "1,7,42,ann@example.com,Ann,3,BHD,9223372036854775807,"
			"9223372036854775.807,batch-7:1\r\n");
}

static void test_csv_refuses_bad_items(void **state)
{
	char buf[256];
	size_t n = 5;
	lf_payout_item it = make_item(1);
	it.amount = 0;
	assert_int_equal(lf_payout_csv_row(buf, sizeof(buf), &it, &n), LF_ERR_INVALID);
	assert_string_equal(buf, "");
	assert_int_equal(n, 0);
	it.amount = -100;
	assert_int_equal(lf_payout_csv_row(buf, sizeof(buf), &it, NULL), LF_ERR_INVALID);
	it = make_item(1);
	it.currency = "usd";
	assert_int_equal(lf_payout_csv_row(buf, sizeof(buf), &it, NULL), LF_ERR_INVALID);
	it.currency = NULL;
	assert_int_equal(lf_payout_csv_row(buf, sizeof(buf), &it, NULL), LF_ERR_INVALID);
	it = make_item(1);
	it.idempotency_key = "has space";
	assert_int_equal(lf_payout_csv_row(buf, sizeof(buf), &it, NULL), LF_ERR_INVALID);
	it.idempotency_key = "k\r\nX-Injected: 1";
	assert_int_equal(lf_payout_csv_row(buf, sizeof(buf), &it, NULL), LF_ERR_INVALID);
	it.idempotency_key = "";
	assert_int_equal(lf_payout_csv_row(buf, sizeof(buf), &it, NULL), LF_ERR_INVALID);
	it = make_item(0);
	assert_int_equal(lf_payout_csv_row(buf, sizeof(buf), &it, NULL), LF_ERR_INVALID);
	assert_int_equal(lf_payout_csv_row(buf, sizeof(buf), NULL, NULL), LF_ERR_INVALID);
}

static void test_csv_buffer_limit(void **state)
{
	char buf[256];
	size_t n = 0;
	lf_payout_item it = make_item(1);
	assert_int_equal(lf_payout_csv_row(buf, sizeof(buf), &it, &n), LF_OK);
	size_t need = n + 1;
	assert_int_equal(lf_payout_csv_row(buf, need, &it, &n), LF_OK);
	assert_int_equal(n, need - 1);
	assert_int_equal(lf_payout_csv_row(buf, need - 1, &it, &n), LF_ERR_LIMIT);
	assert_string_equal(buf, "");
	assert_int_equal(n, 0);
	assert_int_equal(lf_payout_csv_row(buf, 0, &it, &n), LF_ERR_LIMIT);
}

static void test_csv_adapter(void **state)
{
	lf_payout_adapter *a = NULL;
	char err[256], ref[LF_PAYOUT_REF_MAX];
	json_t *cfg = json_pack("{s:i}", "path", 1);
	assert_int_equal(lf_payout_adapter_new("csv", cfg, &a, err, sizeof(err)), LF_ERR_INVALID);
	assert_null(a);
	json_decref(cfg);
	cfg = json_object();
	assert_int_equal(lf_payout_adapter_new("csv", cfg, &a, err, sizeof(err)), LF_OK);
	lf_payout_adapter_free(a);
	json_decref(cfg);
	assert_int_equal(lf_payout_adapter_new("csv", NULL, &a, err, sizeof(err)), LF_OK);
	assert_string_equal(lf_payout_adapter_kind(a), "csv");
	lf_payout_item it = make_item(1);
	assert_int_equal(lf_payout_send(a, &it, ref, sizeof(ref), err, sizeof(err)), LF_OK);
	assert_string_equal(ref, "statement");
	it.amount = 0;
	assert_int_equal(lf_payout_send(a, &it, ref, sizeof(ref), err, sizeof(err)),
			 LF_ERR_INVALID);
	assert_string_equal(ref, "");
	assert_non_null(strstr(err, "amount"));
	lf_payout_adapter_free(a);
	assert_int_equal(lf_payout_adapter_new("paypal", NULL, &a, err, sizeof(err)),
			 LF_ERR_INVALID);
	assert_non_null(strstr(err, "paypal"));
}

/* The vector was computed independently (Python hmac/hashlib):
 * HMAC-SHA256(SHA-256("whsec_test"), "1700000000.{\"id\":1}"). */
static void test_sign_known_vector(void **state)
{
	char hex[LF_SIGN_HEX];
	const char *body = "{\"id\":1}";
	assert_int_equal(lf_sign(SECRET, 1700000000, body, strlen(body), hex), LF_OK);
	assert_string_equal(hex,
			    "013f4b87370f661d9184775080be4be8d199f63364d8ea9532faf06a906246d9");
	assert_int_equal(lf_sign("", 1, body, strlen(body), hex), LF_ERR_INVALID);
	assert_int_equal(lf_sign(SECRET, -1, body, strlen(body), hex), LF_ERR_INVALID);
}

static void test_verify(void **state)
{
	char hex[LF_SIGN_HEX], hdr[256], bad[256];
	const char *body = "{\"amount\":100}";
	size_t len = strlen(body);
	int64_t t = 1700000000;
	assert_int_equal(lf_sign(SECRET, t, body, len, hex), LF_OK);
	snprintf(hdr, sizeof(hdr), "t=%lld,v1=%s", (long long)t, hex);
	assert_int_equal(lf_sign_verify(SECRET, hdr, body, len, t + 10, 300), LF_OK);
	assert_int_equal(lf_sign_verify(SECRET, hdr, "{\"amount\":900}", len, t, 300),
			 LF_ERR_AUTH);
	assert_int_equal(lf_sign_verify(SECRET, hdr, body, len - 1, t, 300), LF_ERR_AUTH);
	assert_int_equal(lf_sign_verify("other", hdr, body, len, t, 300), LF_ERR_AUTH);
	assert_int_equal(lf_sign_verify(SECRET, hdr, body, len, t + 300, 300), LF_OK);
	assert_int_equal(lf_sign_verify(SECRET, hdr, body, len, t + 301, 300), LF_ERR_AUTH);
	assert_int_equal(lf_sign_verify(SECRET, hdr, body, len, t - 301, 300), LF_ERR_AUTH);
	/* A timestamp moved forward to pass the window breaks the MAC. */
	snprintf(bad, sizeof(bad), "t=%lld,v1=%s", (long long)t + 1000, hex);
	assert_int_equal(lf_sign_verify(SECRET, bad, body, len, t + 1000, 300), LF_ERR_AUTH);
	/* Rotation: one stale and one current signature. */
	snprintf(bad, sizeof(bad), "t=%lld,v1=%064d,v1=%s,v0=ignored", (long long)t, 0, hex);
	assert_int_equal(lf_sign_verify(SECRET, bad, body, len, t, 300), LF_OK);
	snprintf(bad, sizeof(bad), "t=%lld,v1=%064d", (long long)t, 0);
	assert_int_equal(lf_sign_verify(SECRET, bad, body, len, t, 300), LF_ERR_AUTH);
	hex[0] = hex[0] == 'a' ? 'b' : 'a';
	snprintf(bad, sizeof(bad), "t=%lld,v1=%s", (long long)t, hex);
	assert_int_equal(lf_sign_verify(SECRET, bad, body, len, t, 300), LF_ERR_AUTH);

	const char *malformed[] = {
	    "",
	    "v1=013f4b87370f661d9184775080be4be8d199f63364d8ea9532faf06a906246d9",
	    "t=1700000000",
	    "t=abc,v1=013f4b87370f661d9184775080be4be8d199f63364d8ea9532faf06a906246d9",
	    "t=-5,v1=013f4b87370f661d9184775080be4be8d199f63364d8ea9532faf06a906246d9",
	    "t=1,t=2,v1=013f4b87370f661d9184775080be4be8d199f63364d8ea9532faf06a906246d9",
	    "t=1,v1=zz3f4b87370f661d9184775080be4be8d199f63364d8ea9532faf06a906246d9",
	};
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++)
		assert_int_equal(lf_sign_verify(SECRET, malformed[i], body, len, 1, 1000000000),
				 LF_ERR_INVALID);
	assert_int_equal(lf_sign_verify(SECRET, hdr, body, len, t, -1), LF_ERR_INVALID);
	assert_int_equal(lf_sign_verify("", hdr, body, len, t, 300), LF_ERR_INVALID);
}

static void test_webhook_config(void **state)
{
	static const char *const bad[] = {
	    "{\"url\":\"ftp://127.0.0.1/x\",\"secret\":\"s\"}",
	    "{\"url\":\"file:///etc/passwd\",\"secret\":\"s\"}",
	    "{\"url\":\"not a url\",\"secret\":\"s\"}",
	    "{\"url\":\"127.0.0.1:80/x\",\"secret\":\"s\"}",
	    "{\"url\":\"http://127.0.0.1/x\"}",
	    "{\"url\":\"http://127.0.0.1/x\",\"secret\":\"\"}",
	    "{\"secret\":\"s\"}",
	    "{\"url\":5,\"secret\":\"s\"}",
	    "{\"url\":\"http://127.0.0.1/x\",\"secret\":\"s\",\"timeout_ms\":0}",
	    "{\"url\":\"http://127.0.0.1/x\",\"secret\":\"s\",\"timeout_ms\":\"5\"}",
	    "{\"url\":\"http://127.0.0.1/x\",\"secret\":\"s\",\"retries\":3}",
	    "[]",
	};
	lf_payout_adapter *a = NULL;
	char err[256];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *cfg = json_loads(bad[i], 0, NULL);
		assert_non_null(cfg);
		err[0] = '\0';
		assert_int_equal(lf_payout_adapter_new("webhook", cfg, &a, err, sizeof(err)),
				 LF_ERR_INVALID);
		assert_null(a);
		assert_true(strlen(err) > 10);
		json_decref(cfg);
	}
	assert_int_equal(lf_payout_adapter_new("webhook", NULL, &a, err, sizeof(err)),
			 LF_ERR_INVALID);
	json_t *cfg = json_loads("{\"url\":\"HTTPS://pay.example.com/hook\",\"secret\":\"s\","
				 "\"timeout_ms\":2500}",
				 0, NULL);
	assert_int_equal(lf_payout_adapter_new("webhook", cfg, &a, err, sizeof(err)), LF_OK);
	assert_string_equal(lf_payout_adapter_kind(a), "webhook");
	lf_payout_adapter_free(a);
	json_decref(cfg);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct receiver *r = cls;
	struct upload *up = *con_cls;
	if (up == NULL) {
		up = calloc(1, sizeof(*up));
		*con_cls = up;
		return up != NULL ? MHD_YES : MHD_NO;
	}
	if (*upload_data_size > 0) {
		size_t room = sizeof(up->data) - 1 - up->len;
		size_t n = *upload_data_size < room ? *upload_data_size : room;
		memcpy(up->data + up->len, upload_data, n);
		up->len += n;
		*upload_data_size = 0;
		return MHD_YES;
	}
	const char *sig = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "LabelFlow-Signature");
	const char *key = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Idempotency-Key");
	const char *ctype = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
	int ok = sig != NULL && lf_sign_verify(SECRET, sig, up->data, up->len,
						 (int64_t)time(NULL), 300) == LF_OK;
	json_t *doc = json_loadb(up->data, up->len, 0, NULL);
	int64_t id = (int64_t)json_integer_value(json_object_get(doc, "id"));
	json_decref(doc);

	pthread_mutex_lock(&r->mu);
	unsigned status = 200;
	const char *reply = r->reply != NULL ? r->reply : DEFAULT_REPLY;
	if (r->requests < MAX_SEEN)
		snprintf(r->keys[r->requests], sizeof(r->keys[0]), "%s", key != NULL ? key : "");
	r->requests++;
	snprintf(r->last_body, sizeof(r->last_body), "%.*s", (int)up->len, up->data);
	snprintf(r->last_ctype, sizeof(r->last_ctype), "%s", ctype != NULL ? ctype : "");
	if (!ok) {
		r->forged++;
		status = 401;
		reply = "{\"error\":\"bad signature\"}";
	} else {
		r->verified++;
		if (r->fail_first > 0) {
			r->fail_first--;
			status = 500;
			reply = "{\"error\":\"busy\"}";
		} else if (id == r->bad_item) {
			status = 400;
			reply = "{\"error\":\"unknown account\"}";
		} else if (r->status != 0) {
			status = r->status;
		}
	}
	int delay_ms = r->delay_ms;
	pthread_mutex_unlock(&r->mu);

	if (delay_ms > 0)
		usleep((useconds_t)delay_ms * 1000);
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(strlen(reply), (void *)reply, MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return MHD_NO;
	enum MHD_Result ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void on_done(void *cls, struct MHD_Connection *conn, void **con_cls,
		    enum MHD_RequestTerminationCode toe)
{
	free(*con_cls);
	*con_cls = NULL;
}

static int setup(void **state)
{
	struct receiver *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -1;
	pthread_mutex_init(&r->mu, NULL);
	r->bad_item = -1;
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = 0};
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
				NULL, NULL, on_request, r, MHD_OPTION_SOCK_ADDR, &sin,
				MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL, MHD_OPTION_END);
	if (r->d == NULL) {
		free(r);
		return -1;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(r->d, MHD_DAEMON_INFO_BIND_PORT);
	r->port = info != NULL ? info->port : 0;
	*state = r;
	return r->port != 0 ? 0 : -1;
}

static int teardown(void **state)
{
	struct receiver *r = *state;
	MHD_stop_daemon(r->d);
	pthread_mutex_destroy(&r->mu);
	free(r);
	return 0;
}

static lf_payout_adapter *webhook_for(struct receiver *r, const char *secret, int timeout_ms)
{
	char url[128], err[256];
	lf_payout_adapter *a = NULL;
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/payouts", r->port);
	json_t *cfg = json_pack("{s:s,s:s,s:i,s:b}", "url", url, "secret", secret, "timeout_ms",
				timeout_ms, "allow_private", 1);
	assert_int_equal(lf_payout_adapter_new("webhook", cfg, &a, err, sizeof(err)), LF_OK);
	json_decref(cfg);
	return a;
}

/* Every spelling of an internal address is refused, by default, before any
 * connection: loopback in decimal, hex, octal and short forms, IPv6 and
 * IPv4-mapped loopback, cloud metadata, the private ranges, unique-local,
 * link-local, multicast and unspecified. */
static void test_webhook_internal_targets(void **state)
{
	static const char *const internal[] = {
	    "http://127.0.0.1/x",
	    "http://127.1/x",
	    "http://0x7f.1/x",
	    "http://0x7f000001/x",
	    "http://2130706433/x",
	    "http://0177.0.0.1/x",
	    "http://localhost:8080/x",
	    "http://[::1]/x",
	    "http://[::ffff:127.0.0.1]/x",
	    "http://[::ffff:7f00:1]/x",
	    "http://[::]/x",
	    "http://169.254.169.254/latest/meta-data/",
	    "https://10.1.2.3/x",
	    "http://172.16.0.1/x",
	    "http://172.31.255.255/x",
	    "http://192.168.1.1/x",
	    "http://100.64.0.1/x",
	    "http://0.0.0.0/x",
	    "http://[fc00::1]/x",
	    "http://[fd12:3456::1]/x",
	    "http://[fe80::1]/x",
	    "http://[ff02::1]/x",
	    "http://224.0.0.1/x",
	    "http://255.255.255.255/x",
	    "http://[64:ff9b::a9fe:a9fe]/x",
	};
	static const char *const public[] = {
	    "https://93.184.216.34/pay",  "http://172.32.0.1/x",       "http://172.15.255.255/x",
	    "http://[2606:4700::1111]/x", "http://[::ffff:8.8.8.8]/x",
	};
	char err[512];
	for (size_t i = 0; i < sizeof(internal) / sizeof(internal[0]); i++) {
		err[0] = '\0';
		if (lf_payout_webhook_check(internal[i], NULL, false, err, sizeof(err)) !=
		    LF_ERR_INVALID)
			fail_msg("%s was not refused", internal[i]);
		assert_non_null(strstr(err, "LABELFLOW_PAYOUT_WEBHOOK_ALLOW_PRIVATE"));
		assert_int_equal(lf_payout_webhook_check(internal[i], NULL, true, err, sizeof(err)),
				 LF_OK);
	}
	for (size_t i = 0; i < sizeof(public) / sizeof(public[0]); i++)
		if (lf_payout_webhook_check(public[i], NULL, false, err, sizeof(err)) != LF_OK)
			fail_msg("%s was refused: %s", public[i], err);
	assert_int_equal(lf_payout_webhook_check("ftp://8.8.8.8/x", NULL, false, err, sizeof(err)),
			 LF_ERR_INVALID);
}

/* The adapter checks at send time too: a loopback receiver is not called
 * unless allowed, and the item fails for good with the reason. */
static void test_webhook_send_refuses_internal(void **state)
{
	struct receiver *r = *state;
	char err[512], ref[LF_PAYOUT_REF_MAX];
	char url[128];
	lf_payout_adapter *a = NULL;
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/payouts", r->port);
	json_t *cfg = json_pack("{s:s,s:s}", "url", url, "secret", SECRET);
	assert_int_equal(lf_payout_adapter_new("webhook", cfg, &a, err, sizeof(err)), LF_OK);
	lf_payout_item it = make_item(1);
	assert_int_equal(lf_payout_send(a, &it, ref, sizeof(ref), err, sizeof(err)),
			 LF_ERR_INVALID);
	assert_non_null(strstr(err, "internal address 127.0.0.1"));
	assert_non_null(strstr(err, "LABELFLOW_OUTBOUND_ALLOW"));
	assert_int_equal(r->requests, 0);
	lf_payout_adapter_free(a);
	json_decref(cfg);

	/* The allow-list (LABELFLOW_OUTBOUND_ALLOW) lets it through. */
	cfg = json_pack("{s:s,s:s,s:s}", "url", url, "secret", SECRET, "allow",
			"10.0.0.0/8, 127.0.0.0/8");
	assert_int_equal(lf_payout_adapter_new("webhook", cfg, &a, err, sizeof(err)), LF_OK);
	assert_int_equal(lf_payout_send(a, &it, ref, sizeof(ref), err, sizeof(err)), LF_OK);
	assert_int_equal(r->requests, 1);
	lf_payout_adapter_free(a);
	json_decref(cfg);
}

static void test_webhook_retry_then_paid(void **state)
{
	struct receiver *r = *state;
	lf_payout_adapter *a = webhook_for(r, SECRET, 5000);
	char ref[LF_PAYOUT_REF_MAX], err[512];
	lf_payout_item it = make_item(11);
	it.idempotency_key = "batch-7:11";
	r->fail_first = 2;
	assert_int_equal(lf_payout_send(a, &it, ref, sizeof(ref), err, sizeof(err)), LF_ERR_IO);
	assert_non_null(strstr(err, "500"));
	assert_null(strstr(err, "/payouts"));
	assert_int_equal(lf_payout_send(a, &it, ref, sizeof(ref), err, sizeof(err)), LF_ERR_IO);
	assert_int_equal(lf_payout_send(a, &it, ref, sizeof(ref), err, sizeof(err)), LF_OK);
	assert_string_equal(ref, "tx-123");

	pthread_mutex_lock(&r->mu);
	assert_int_equal(r->requests, 3);
	assert_int_equal(r->verified, 3);
	assert_int_equal(r->forged, 0);
	for (int i = 0; i < 3; i++)
		assert_string_equal(r->keys[i], "batch-7:11");
	assert_string_equal(r->last_ctype, "application/json");
	json_t *doc = json_loads(r->last_body, 0, NULL);
	pthread_mutex_unlock(&r->mu);
	assert_non_null(doc);
	assert_int_equal(json_integer_value(json_object_get(doc, "id")), 11);
	assert_int_equal(json_integer_value(json_object_get(doc, "batch_id")), 7);
	assert_int_equal(json_integer_value(json_object_get(doc, "user_id")), 42);
	assert_int_equal(json_integer_value(json_object_get(doc, "project_id")), 3);
	assert_int_equal(json_integer_value(json_object_get(doc, "amount")), 1234);
	assert_string_equal(json_string_value(json_object_get(doc, "currency")), "USD");
	assert_string_equal(json_string_value(json_object_get(doc, "email")), "ann@example.com");
	assert_string_equal(json_string_value(json_object_get(doc, "name")), "Ann");
	assert_string_equal(json_string_value(json_object_get(doc, "idempotency_key")),
			    "batch-7:11");
	json_int_t created = json_integer_value(json_object_get(doc, "created"));
	assert_true(created > 1600000000 && created <= (json_int_t)time(NULL) + 1);
	json_decref(doc);
	lf_payout_adapter_free(a);
}

static void test_webhook_rejected_item(void **state)
{
	struct receiver *r = *state;
	lf_payout_adapter *a = webhook_for(r, SECRET, 5000);
	char ref[LF_PAYOUT_REF_MAX], err[512];
	lf_payout_item bad = make_item(5), good = make_item(6);
	r->bad_item = 5;
	assert_int_equal(lf_payout_send(a, &bad, ref, sizeof(ref), err, sizeof(err)),
			 LF_ERR_INVALID);
	assert_non_null(strstr(err, "400"));
	assert_int_equal(lf_payout_send(a, &good, ref, sizeof(ref), err, sizeof(err)), LF_OK);
	assert_string_equal(ref, "tx-123");
	lf_payout_adapter_free(a);
}

static void test_webhook_wrong_secret(void **state)
{
	struct receiver *r = *state;
	lf_payout_adapter *a = webhook_for(r, "not-the-secret", 5000);
	char ref[LF_PAYOUT_REF_MAX], err[512];
	lf_payout_item it = make_item(1);
	assert_int_equal(lf_payout_send(a, &it, ref, sizeof(ref), err, sizeof(err)),
			 LF_ERR_INVALID);
	assert_int_equal(r->forged, 1);
	assert_int_equal(r->verified, 0);
	lf_payout_adapter_free(a);
}

/* An answer far larger than the adapter reads is cut (the transfer stops
 * at the cap) and still judged by its status: a 2xx pays, with the
 * reference of the part read; a 5xx is retried. */
static void test_webhook_large_answer(void **state)
{
	static char big[256 * 1024];
	struct receiver *r = *state;
	lf_payout_adapter *a = webhook_for(r, SECRET, 5000);
	char ref[LF_PAYOUT_REF_MAX], err[512];
	lf_payout_item it = make_item(1);
	const char *head = "{\"reference\":\"tx-big\"}";
	memset(big, ' ', sizeof(big) - 1);
	memcpy(big, head, strlen(head));
	r->reply = big;
	assert_int_equal(lf_payout_send(a, &it, ref, sizeof(ref), err, sizeof(err)), LF_OK);
	assert_string_equal(ref, "tx-big");
	r->status = 503;
	assert_int_equal(lf_payout_send(a, &it, ref, sizeof(ref), err, sizeof(err)), LF_ERR_IO);
	assert_non_null(strstr(err, "503"));
	lf_payout_adapter_free(a);
}

static void test_webhook_statuses(void **state)
{
	static const struct {
		unsigned status;
		const char *reply;
		int want;
		const char *ref;
	} cases[] = {
	    {429, "", LF_ERR_IO, ""},
	    {408, "", LF_ERR_IO, ""},
	    {503, "", LF_ERR_IO, ""},
	    {302, "", LF_ERR_INVALID, ""},
	    {404, "", LF_ERR_INVALID, ""},
	    {422, "{\"reference\":\"tx-9\"}", LF_ERR_INVALID, ""},
	    {200, "accepted", LF_OK, "http-200"},
	    {201, "{\"reference\":5}", LF_OK, "http-201"},
	    {202, "{\"reference\":\"\"}", LF_OK, "http-202"},
	    {204, "", LF_OK, "http-204"},
	    {200, "{\"reference\":\"po_ABC\",\"status\":\"sent\"}", LF_OK, "po_ABC"},
	};
	struct receiver *r = *state;
	lf_payout_adapter *a = webhook_for(r, SECRET, 5000);
	char ref[LF_PAYOUT_REF_MAX], err[512];
	lf_payout_item it = make_item(1);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r->status = cases[i].status;
		r->reply = cases[i].reply;
		assert_int_equal(lf_payout_send(a, &it, ref, sizeof(ref), err, sizeof(err)),
				 cases[i].want);
		assert_string_equal(ref, cases[i].ref);
		assert_true(strlen(err) > 10);
	}
	r->status = 200;
	r->reply = "{\"reference\":\"0123456789abcdef\"}";
	assert_int_equal(lf_payout_send(a, &it, ref, 8, err, sizeof(err)), LF_OK);
	assert_string_equal(ref, "0123456");
	assert_non_null(strstr(err, "truncated"));
	assert_int_equal(r->forged, 0);
	lf_payout_adapter_free(a);
}

static void test_webhook_bad_utf8_not_sent(void **state)
{
	struct receiver *r = *state;
	lf_payout_adapter *a = webhook_for(r, SECRET, 5000);
	char ref[LF_PAYOUT_REF_MAX], err[512];
	lf_payout_item it = make_item(1);
	it.name = "bad \xff name";
	assert_int_equal(lf_payout_send(a, &it, ref, sizeof(ref), err, sizeof(err)),
			 LF_ERR_INVALID);
	assert_non_null(strstr(err, "UTF-8"));
	it = make_item(1);
	it.amount = -1;
	assert_int_equal(lf_payout_send(a, &it, ref, sizeof(ref), err, sizeof(err)),
			 LF_ERR_INVALID);
	assert_int_equal(r->requests, 0);
	lf_payout_adapter_free(a);
}

static void test_webhook_timeout(void **state)
{
	struct receiver *r = *state;
	lf_payout_adapter *a = webhook_for(r, SECRET, 150);
	char ref[LF_PAYOUT_REF_MAX], err[512];
	lf_payout_item it = make_item(1);
	r->delay_ms = 600;
	assert_int_equal(lf_payout_send(a, &it, ref, sizeof(ref), err, sizeof(err)), LF_ERR_IO);
	assert_string_equal(ref, "");
	lf_payout_adapter_free(a);
}

/* A bound socket that never listens: connecting to it is refused, and the
 * port cannot be taken by anything else meanwhile. */
static void test_webhook_connection_refused(void **state)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = 0};
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t sl = sizeof(sin);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);

	char url[128], err[512], ref[LF_PAYOUT_REF_MAX];
	lf_payout_adapter *a = NULL;
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/payouts", ntohs(sin.sin_port));
	json_t *cfg = json_pack("{s:s,s:s,s:b}", "url", url, "secret", SECRET, "allow_private", 1);
	assert_int_equal(lf_payout_adapter_new("webhook", cfg, &a, err, sizeof(err)), LF_OK);
	lf_payout_item it = make_item(1);
	assert_int_equal(lf_payout_send(a, &it, ref, sizeof(ref), err, sizeof(err)), LF_ERR_IO);
	assert_non_null(strstr(err, "127.0.0.1"));
	lf_payout_adapter_free(a);
	json_decref(cfg);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_csv_header),
	    cmocka_unit_test(test_csv_plain_row),
	    cmocka_unit_test(test_csv_quoting),
	    cmocka_unit_test(test_csv_injection_guard),
	    cmocka_unit_test(test_csv_currency_exponents),
	    cmocka_unit_test(test_csv_refuses_bad_items),
	    cmocka_unit_test(test_csv_buffer_limit),
	    cmocka_unit_test(test_csv_adapter),
	    cmocka_unit_test(test_sign_known_vector),
	    cmocka_unit_test(test_verify),
	    cmocka_unit_test(test_webhook_config),
	    cmocka_unit_test(test_webhook_internal_targets),
	    cmocka_unit_test_setup_teardown(test_webhook_send_refuses_internal, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_webhook_retry_then_paid, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_webhook_rejected_item, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_webhook_wrong_secret, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_webhook_statuses, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_webhook_large_answer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_webhook_bad_utf8_not_sent, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_webhook_timeout, setup, teardown),
	    cmocka_unit_test(test_webhook_connection_refused),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
