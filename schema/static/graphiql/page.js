// Starts GraphiQL (schema/templates/graphiql.html) against the endpoint that
// served the page, with the CSRF token Django expects.
"use strict";

(function () {
  const config = JSON.parse(
    document.getElementById("graphiql-config").textContent,
  );

  function readCookie(name) {
    for (const pair of document.cookie.split(";")) {
      const separator = pair.indexOf("=");
      if (separator > 0 && pair.slice(0, separator).trim() === name) {
        return decodeURIComponent(pair.slice(separator + 1).trim());
      }
    }
    return null;
  }

  // The cookie is read again for every request: Django rotates the token on
  // login, so a token read once at page load fails the first request after a
  // login made in GraphiQL itself.
  function fetchWithCsrfToken(input, init) {
    const options = init || {};
    const headers = new Headers(options.headers);
    const token = readCookie(config.csrfCookieName);
    if (token) {
      headers.set(config.csrfHeaderName, token);
    }
    return window.fetch(input, {
      ...options,
      headers,
      credentials: "same-origin",
    });
  }

  const endpoint = new URL(config.endpoint, window.location.href);
  const socket = new URL(endpoint);
  socket.protocol = endpoint.protocol === "https:" ? "wss:" : "ws:";

  const fetcher = GraphiQL.createFetcher({
    url: endpoint.href,
    subscriptionUrl: socket.href,
    fetch: fetchWithCsrfToken,
  });

  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {
      fetcher,
      // Given, it is never fetched: see schema/graphiql.py.
      schema: config.schema || undefined,
      plugins: [GraphiQLPluginExplorer.explorerPlugin()],
      defaultEditorToolsVisibility: true,
      inputValueDeprecation: true,
      isHeadersEditorEnabled: true,
      // A persisted X-CSRFToken would go stale at the next login.
      shouldPersistHeaders: false,
    }),
  );
})();
