/*
 * api_web.c - what a browser gets outside the API: the web UI when it is
 * built (src/web/), else a page at the root saying where the API is.
 */
#include "api/api.h"

#include <stdlib.h>
#include <string.h>

/* The root without a built UI: where the API is and how to sign in. */
int lf_api_root(lf_http_req *req)
{
	static const char page[] =
	    "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<title>LabelFlow</title><style>body{font:16px/1.5 system-ui,sans-serif;"
	    "max-width:40em;margin:3em auto;padding:0 1em;color:#111}code{background:#eee;"
	    "padding:.1em .3em}</style></head><body><h1>LabelFlow is running</h1>"
	    "<p>The web UI is not built: run <code>make</code> (it needs Node.js and npm) "
	    "and restart the server.</p>"
	    "<p>The HTTP API is at <code>/api/v1</code>. Sign in with "
	    "<code>POST /api/v1/auth/login</code> and send the access token as "
	    "<code>Authorization: Bearer &lt;token&gt;</code>.</p>"
	    "<p>Health: <a href=\"/healthz\">/healthz</a>, <a href=\"/readyz\">/readyz</a>, "
	    "<a href=\"/metrics\">/metrics</a>.</p></body></html>";
	lf_app *app = req->app;
	if (app->web != NULL)
		return lf_web_serve(app->web, req);
	char *body = strdup(page);
	if (body == NULL)
		return LF_ERR_NOMEM;
	return lf_http_body(req, 200, "text/html; charset=utf-8", body, sizeof(page) - 1);
}

/* Any other GET the routes do not know: a file or client route of the UI. */
int lf_api_static(lf_http_req *req)
{
	lf_app *app = req->app;
	if (app->web == NULL)
		return lf_http_fail(req, LF_ERR_NOTFOUND, "not_found", "No such endpoint: %s",
				    req->path);
	return lf_web_serve(app->web, req);
}
