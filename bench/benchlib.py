"""What the bench scripts' Python parts share: calling a LabelFlow server
over HTTP (JSON in and out) and signing in as the admin bench/lib.sh made.
Imported with sys.path.insert(0, "bench") from the repository's root."""
import json
import urllib.request

# The NER config most benchmarks label with.
NER_CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Labels name="label" toName="text">
    <Label value="PER"/><Label value="ORG"/>
  </Labels>
</View>"""


def client(url):
    """A function api(method, path, body=None, token=None, raw=None,
    ctype="application/json") that answers the decoded JSON (None for an
    empty body) and raises on an HTTP error."""
    def api(method, path, body=None, token=None, raw=None, ctype="application/json"):
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        req = urllib.request.Request(url + path, method=method, data=data)
        req.add_header("content-type", ctype)
        if token:
            req.add_header("authorization", "Bearer " + token)
        with urllib.request.urlopen(req, timeout=600) as r:
            text = r.read()
        return json.loads(text) if text else None
    return api


def admin_token(api):
    """The access token of bench/lib.sh's admin."""
    return api("POST", "/api/v1/auth/login",
               {"email": "bench-admin@example.org", "password": "bench-admin-password"})["access_token"]


def add_annotators(api, admin, n, projects):
    """Makes the annotators bench-annotator-<i>@example.org (password
    bench-password-<i>) for i < n, members of every project."""
    from concurrent.futures import ThreadPoolExecutor

    def add(i):
        u = api("POST", "/api/v1/users", {"email": f"bench-annotator-{i}@example.org", "name": f"Annotator {i}",
                                          "password": f"bench-password-{i}", "role": "annotator"}, admin)
        for p in projects:
            api("PUT", f"/api/v1/projects/{p}/members/{u['id']}", {"role": "annotator"}, admin)
    with ThreadPoolExecutor(4) as ex:
        list(ex.map(add, range(n)))
