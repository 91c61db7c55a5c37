/*
 * web.h - serves the built web UI (a Vite build: index.html plus hashed
 * files under /assets/) from a folder on disk.
 *
 * Every GET/HEAD the API does not route comes here. An existing file is
 * streamed from disk with its content type, an ETag and caching headers:
 * hashed assets (/assets/) and versioned vendored files
 * (/vendor/<name>-<x.y.z>/) are immutable for a year, everything else
 * (index.html first) is revalidated on each use so a new build shows at
 * once. Any
 * other path is a client-side route of the single-page app and gets
 * index.html, except under the server's own prefixes (/api/, /healthz,
 * /readyz, /metrics), which keep the JSON 404 of an unknown endpoint.
 *
 * Nothing outside the folder is ever served: paths with "." or ".."
 * segments (after percent-decoding), backslashes or control bytes are
 * refused, and a file reached through a symlink must resolve inside the
 * folder. Refusals are the JSON 404.
 */
#ifndef LF_WEB_H
#define LF_WEB_H

#include "core/lf.h"
#include "http/http.h"

typedef struct lf_web lf_web;

/*
 * Opens the UI folder dir (relative to the working directory or
 * absolute). When dir or dir/index.html does not exist the UI is not
 * built: *out is NULL and the result LF_OK. Owner: caller, lf_web_close.
 */
int lf_web_open(const char *dir, lf_web **out, char *err, size_t errlen);
void lf_web_close(lf_web *w);
/* The folder's resolved absolute path. Belongs to w. */
const char *lf_web_root(const lf_web *w);

/* Answers a GET or HEAD of req->path (already percent-decoded) as above.
 * Safe to call from many threads at once. */
int lf_web_serve(const lf_web *w, lf_http_req *req);

/* Media type for a file name by its extension; application/octet-stream
 * when unknown. Static string. */
const char *lf_web_content_type(const char *name);
/* 1 when path may name something inside the folder: absolute, no "." or
 * ".." or hidden segment, no empty segment, no backslash, '%' or control
 * byte. */
int lf_web_path_safe(const char *path);
/* 1 for the server's own prefixes, never answered with index.html. */
int lf_web_path_reserved(const char *path);
/*
 * The Content-Security-Policy of every file of the UI. Scripts come only
 * from this origin (no inline script, no eval): an injected <script> or
 * handler attribute does not run. Styles may be inline because React and
 * the Label Studio canvas set style attributes. Images, audio, video and
 * the canvas's fetches of them may come from anywhere (a task's data can
 * name any URL; LABELFLOW_MEDIA_REDIRECT sends them to the bucket), and
 * blob:/data: for what the canvas makes itself. No plugins, no <base>, no
 * framing by anyone.
 */
#define LF_WEB_CSP                                                                                 \
	"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "                \
	"img-src 'self' data: blob: http: https:; media-src 'self' data: blob: http: https:; "     \
	"connect-src 'self' http: https:; font-src 'self' data:; worker-src 'self' blob:; "        \
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

/* Cache-Control for a served path (static string). */
const char *lf_web_cache_control(const char *path);
/* 1 when an If-None-Match header (a client's text: "*" or a
 * comma-separated list of possibly weak tags) names etag, a quoted tag. */
int lf_web_etag_matches(const char *header, const char *etag);

#endif
