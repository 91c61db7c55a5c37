/*
 * test_web.c - the pure parts of serving the web UI: which paths may name
 * a file, which belong to the server, content types and cache lifetimes.
 * Serving itself is covered end to end by tests/api/web.test.mjs.
 */
#include "web/web.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

static void test_path_safe(void **state)
{
	static const char *const good[] = {
	    "/",       "/index.html", "/assets/index-3f9a1c.js", "/admin/projects/12",
	    "/admin/", "/a.b/c..d",   "/work/projects/3/label",
	};
	static const char *const bad[] = {
	    "",
	    "index.html",
	    "/..",
	    "/../etc/passwd",
	    "/assets/../../x",
	    "/assets/..",
	    "/./index.html",
	    "/.env",
	    "/assets/.hidden",
	    "//etc/passwd",
	    "/assets//x.js",
	    "/a\\..\\b",
	    "/index.html%00.png",
	    "/a\x01",
	    "/a\x7f",
	};
	for (size_t i = 0; i < LF_ARRAY_LEN(good); i++)
		assert_true(lf_web_path_safe(good[i]));
	for (size_t i = 0; i < LF_ARRAY_LEN(bad); i++)
		assert_false(lf_web_path_safe(bad[i]));
}

static void test_path_reserved(void **state)
{
	assert_true(lf_web_path_reserved("/api"));
	assert_true(lf_web_path_reserved("/api/"));
	assert_true(lf_web_path_reserved("/api/v1/unknown"));
	assert_true(lf_web_path_reserved("/healthz/x"));
	assert_true(lf_web_path_reserved("/readyz"));
	assert_true(lf_web_path_reserved("/metrics/x"));
	assert_false(lf_web_path_reserved("/apiary"));
	assert_false(lf_web_path_reserved("/metricsboard"));
	assert_false(lf_web_path_reserved("/admin/api"));
	assert_false(lf_web_path_reserved("/"));
}

static void test_content_type(void **state)
{
	assert_string_equal(lf_web_content_type("/index.html"), "text/html; charset=utf-8");
	assert_string_equal(lf_web_content_type("/assets/a-1.js"),
			    "text/javascript; charset=utf-8");
	assert_string_equal(lf_web_content_type("/m.mjs"), "text/javascript; charset=utf-8");
	assert_string_equal(lf_web_content_type("/a.CSS"), "text/css; charset=utf-8");
	assert_string_equal(lf_web_content_type("/i.svg"), "image/svg+xml");
	assert_string_equal(lf_web_content_type("/i.png"), "image/png");
	assert_string_equal(lf_web_content_type("/i.jpg"), "image/jpeg");
	assert_string_equal(lf_web_content_type("/f.woff2"), "font/woff2");
	assert_string_equal(lf_web_content_type("/d.json"), "application/json");
	assert_string_equal(lf_web_content_type("/a.js.map"), "application/json");
	assert_string_equal(lf_web_content_type("/favicon.ico"), "image/x-icon");
	assert_string_equal(lf_web_content_type("/robots.txt"), "text/plain; charset=utf-8");
	assert_string_equal(lf_web_content_type("/e.wasm"), "application/wasm");
	/* No extension, an unknown one, or a dot only in a folder name. */
	assert_string_equal(lf_web_content_type("/LICENSE"), "application/octet-stream");
	assert_string_equal(lf_web_content_type("/x.bin"), "application/octet-stream");
	assert_string_equal(lf_web_content_type("/v1.2/README"), "application/octet-stream");
	assert_string_equal(lf_web_content_type("/.js"), "application/octet-stream");
}

static void test_cache_control(void **state)
{
	assert_string_equal(lf_web_cache_control("/assets/index-3f9a1c.js"),
			    "public, max-age=31536000, immutable");
	assert_string_equal(lf_web_cache_control("/index.html"), "no-cache");
	assert_string_equal(lf_web_cache_control("/favicon.ico"), "no-cache");
	assert_string_equal(lf_web_cache_control("/assetsx/a.js"), "no-cache");
	assert_string_equal(lf_web_cache_control("/vendor/label-studio-1.4.0/main.js"),
			    "public, max-age=31536000, immutable");
	assert_string_equal(lf_web_cache_control("/vendor/label-studio-1.4.0/css/main.css"),
			    "public, max-age=31536000, immutable");
	/* Unversioned or oddly versioned vendor paths are revalidated. */
	assert_string_equal(lf_web_cache_control("/vendor/label-studio/main.js"), "no-cache");
	assert_string_equal(lf_web_cache_control("/vendor/label-studio-1/main.js"), "no-cache");
	assert_string_equal(lf_web_cache_control("/vendor/label-studio-1..4/main.js"), "no-cache");
	assert_string_equal(lf_web_cache_control("/vendor/label-studio-1.4./main.js"), "no-cache");
	assert_string_equal(lf_web_cache_control("/vendor/label-studio-1.4.0"), "no-cache");
	assert_string_equal(lf_web_cache_control("/vendor/x-latest/main.js"), "no-cache");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_path_safe),
	    cmocka_unit_test(test_path_reserved),
	    cmocka_unit_test(test_content_type),
	    cmocka_unit_test(test_cache_control),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
