// What every client test needs: the live server pytest started, the frontend
// contract's operations, and Apollo Client set up the way a browser app does it
// (a cookie jar, the CSRF header on every request, the session cookie on the socket).

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { ApolloClient, HttpLink, InMemoryCache, split } from "@apollo/client";
import { SetContextLink } from "@apollo/client/link/context";
import { createPersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { getMainDefinition, relayStylePagination } from "@apollo/client/utilities";
import { Kind, parse, print } from "graphql";
import { createClient } from "graphql-ws";
import WebSocket from "ws";

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run these tests through pytest (tests/clients/)`);
  }
  return value;
}

// http://127.0.0.1:PORT/graphql/ of the server under test (production
// settings); the same database served with introspection on, and in DEBUG.
export const graphqlUrl = required("ORDERGRAPH_GRAPHQL_URL");
export const introspectionUrl = required("ORDERGRAPH_INTROSPECTION_URL");
export const debugUrl = required("ORDERGRAPH_DEBUG_URL");
export const staff = {
  username: required("ORDERGRAPH_STAFF_USERNAME"),
  password: required("ORDERGRAPH_STAFF_PASSWORD"),
};
const origin = new URL(graphqlUrl).origin;
const socketUrl = graphqlUrl.replace(/^http/, "ws");

const contract = parse(
  readFileSync(new URL("../../contract/frontend-operations.graphql", import.meta.url), "utf8"),
);

/** The contract's operation `name`, as a document Apollo accepts. */
export function operation(name) {
  const found = contract.definitions.find(
    (d) => d.kind === Kind.OPERATION_DEFINITION && d.name?.value === name,
  );
  if (!found) throw new Error(`no operation ${name} in the frontend contract`);
  return parse(print(found));
}

export const sha256 = (text) => createHash("sha256").update(text).digest("hex");

/**
 * The cache the README recommends: connections merge the pages fetchMore
 * brings (one list per filters and ordering); objects are normalized by their
 * global id (`__typename:id`, Apollo's default key) so an order's product and
 * the catalogue's product are one entry.
 */
export function frontendCache() {
  const connection = relayStylePagination(["filters", "ordering"]);
  return new InMemoryCache({
    typePolicies: { Query: { fields: { products: connection, orders: connection } } },
  });
}

/** A GET request's parameters, as the body of a POST would carry them. */
function fromSearchParams(url) {
  const params = Object.fromEntries(url.searchParams);
  for (const name of ["variables", "extensions"]) {
    if (params[name]) params[name] = JSON.parse(params[name]);
  }
  return params;
}

/** A browser's cookie jar for one origin (names and values only). */
class CookieJar {
  cookies = new Map();

  header() {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  remember(response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";");
      const at = pair.indexOf("=");
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (value && !expired) this.cookies.set(name, value);
      else this.cookies.delete(name);
    }
  }
}

/**
 * Apollo Client as a frontend sets it up: queries and mutations over HTTP with
 * the session cookie and the CSRF token (read from its cookie on every request:
 * it rotates on login), subscriptions over graphql-ws with the same cookie.
 *
 * cache: an InMemoryCache (frontendCache() for the README's); persistedQueries:
 * options for Apollo's persisted-query link (none: no link); exchanges: an
 * array that receives { method, request, response } (parsed JSON) for each HTTP
 * call Apollo makes, as the server saw and answered it.
 */
export async function newClient({
  cache = new InMemoryCache(),
  persistedQueries,
  exchanges,
} = {}) {
  const jar = new CookieJar();
  const browserFetch = async (url, init = {}) => {
    const headers = new Headers(init.headers);
    headers.set("Origin", origin);
    if (jar.cookies.size) headers.set("Cookie", jar.header());
    const response = await fetch(url, { ...init, headers });
    jar.remember(response);
    return response;
  };
  const apolloFetch = async (url, init = {}) => {
    const response = await browserFetch(url, init);
    if (exchanges) {
      const request = init.body ? JSON.parse(init.body) : fromSearchParams(new URL(url));
      exchanges.push({ method: init.method ?? "GET", request, response: await response.clone().json() });
    }
    return response;
  };
  // The page load: Django sets the csrftoken cookie.
  await browserFetch(`${graphqlUrl}?query=${encodeURIComponent("{ __typename }")}`);

  // ws lets a Node client send what a browser sends by itself.
  class BrowserWebSocket extends WebSocket {
    constructor(url, protocols) {
      super(url, protocols, { headers: { Cookie: jar.header() }, origin });
    }
  }
  const sockets = createClient({
    url: socketUrl,
    webSocketImpl: BrowserWebSocket,
    lazy: true,
    retryAttempts: 0,
  });
  // The CSRF header, read from its cookie for each request (the README's
  // csrfToken() reads document.cookie; the jar is this client's). Persisted
  // queries on the HTTP side only: subscriptions send their text.
  const csrf = new SetContextLink(({ headers }) => ({
    headers: { ...headers, "X-CSRFToken": jar.cookies.get("csrftoken") ?? "" },
  }));
  const http = csrf.concat(new HttpLink({ uri: graphqlUrl, credentials: "include", fetch: apolloFetch }));
  const link = split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return definition.kind === Kind.OPERATION_DEFINITION && definition.operation === "subscription";
    },
    new GraphQLWsLink(sockets),
    persistedQueries ? createPersistedQueryLink(persistedQueries).concat(http) : http,
  );
  const client = new ApolloClient({ link, cache });
  return {
    client,
    jar,
    close: async () => {
      client.stop();
      await sockets.dispose();
    },
  };
}

export async function mutate(client, name, variables) {
  const { data, error } = await client.mutate({ mutation: operation(name), variables });
  if (error) throw error;
  return data;
}

/** Collect a subscription's results; next() waits for the following one. */
export function subscribe(client, name, variables = {}) {
  const queued = [];
  const waiting = [];
  const deliver = (item) => {
    const taker = waiting.shift();
    if (taker) taker(item);
    else queued.push(item);
  };
  const subscription = client
    .subscribe({ query: operation(name), variables })
    .subscribe({
      next: (result) => deliver({ result }),
      error: (error) => deliver({ error }),
    });
  return {
    next: (timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const settle = ({ result, error }) => (error ? reject(error) : resolve(result));
        if (queued.length) return settle(queued.shift());
        const timer = setTimeout(
          () => reject(new Error(`no ${name} event within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiting.push((item) => {
          clearTimeout(timer);
          settle(item);
        });
      }),
    stop: () => subscription.unsubscribe(),
  };
}

// graphql-transport-ws does not say when a subscription starts listening; the
// Python suites wait the same way (tests/live/sockets.py, settle).
export const settle = () => new Promise((resolve) => setTimeout(resolve, 500));
