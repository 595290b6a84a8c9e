"""A frontend page served from its own loopback port, as a dev server would.

    with serving_page() as page_origin: ...   # http://127.0.0.1:<port>

The page's `runFrontendFlow(api, operations, variables)` does what a frontend
does against the API at another origin, with credentials (the session and
csrftoken cookies): fetch the csrftoken cookie, Login, PlaceOrder, MyOrders.
Each step answers {status, body}, or {blocked} when the browser refused it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tools.graphql_http import HOST

PAGE = b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>frontend</title>
<link rel="icon" href="data:,"></head>
<body><h1>frontend</h1><script>
function readCookie(name) {
  for (const pair of document.cookie.split(";")) {
    const [key, value] = pair.trim().split("=");
    if (key === name) return decodeURIComponent(value);
  }
  return null;
}

async function step(request) {
  try {
    const response = await request();
    return { status: response.status, body: await response.json() };
  } catch (error) {
    return { blocked: String(error) };
  }
}

function post(api, query, variables) {
  return step(() => {
    const headers = { "Content-Type": "application/json" };
    const token = readCookie("csrftoken");
    if (token) headers["X-CSRFToken"] = token;
    return fetch(api + "/graphql/", {
      method: "POST",
      credentials: "include",
      headers,
      body: JSON.stringify({ query, variables }),
    });
  });
}

async function runFrontendFlow(api, operations, variables) {
  return {
    csrf: await step(() =>
      fetch(api + "/graphql/?query=%7B__typename%7D", { credentials: "include" }),
    ),
    login: await post(api, operations.Login, variables.Login),
    placeOrder: await post(api, operations.PlaceOrder, variables.PlaceOrder),
    myOrders: await post(api, operations.MyOrders, {}),
  };
}
</script></body></html>
"""


class _PageHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serving_page() -> Iterator[str]:
    """Serve the page on a free loopback port; yield its origin; stop."""
    server = ThreadingHTTPServer((HOST, 0), _PageHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
