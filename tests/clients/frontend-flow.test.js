// A shopper's whole visit through Apollo Client 4, set up as the README's
// Frontend section says, with the contract's operations verbatim: the CSRF
// cookie, login, the catalogue, orders placed, "my orders" paged with
// fetchMore into one cached list, a refused order, a cancel, logout.

import assert from "node:assert/strict";
import { test } from "node:test";
import { frontendCache, mutate, newClient, operation, staff } from "./lib/site.js";

const PASSWORD = staff.password;

async function stockTwoProducts(shop, tag) {
  const ids = [];
  for (const [name, price] of [
    [`${tag} lamp`, "19.90"],
    [`${tag} rug`, "7.25"],
  ]) {
    const created = await mutate(shop, "CreateProduct", {
      input: { name, description: "", price, stockQuantity: 10 },
    });
    ids.push(created.createProduct.id);
  }
  return ids;
}

test("a shopper's visit: login, catalogue, orders paged, a refusal, cancel, logout", async (t) => {
  const tag = `flow${Date.now()}`;
  const shop = await newClient();
  const visit = await newClient({ cache: frontendCache() });
  t.after(() => Promise.all([shop.close(), visit.close()]));
  await mutate(shop.client, "Login", { input: staff });
  const [lampId, rugId] = await stockTwoProducts(shop.client, tag);
  const { client, jar } = visit;
  await mutate(client, "Register", {
    input: { username: tag, email: `${tag}@example.com`, password: PASSWORD },
  });
  await mutate(client, "Logout");

  // given: the page load gave a CSRF cookie; login rotates it
  const tokenBefore = jar.cookies.get("csrftoken");
  assert.ok(tokenBefore, "the first GET sets the csrftoken cookie");
  const login = await mutate(client, "Login", { input: { username: tag, password: PASSWORD } });
  assert.equal(login.login.__typename, "User");
  assert.equal(login.login.username, tag);
  assert.notEqual(jar.cookies.get("csrftoken"), tokenBefore);

  // the catalogue: in stock, cheapest first, and searchable by name
  const catalogue = await client.query({ query: operation("CatalogPage"), variables: { first: 100 } });
  const listed = catalogue.data.products.edges.map((edge) => edge.node);
  const mine = listed.filter((product) => product.name.startsWith(tag));
  assert.deepEqual(
    mine.map((product) => [product.name, product.price, product.stockQuantity]),
    [
      [`${tag} rug`, "7.25", 10],
      [`${tag} lamp`, "19.90", 10],
    ],
  );
  const prices = listed.map((product) => Number(product.price));
  assert.deepEqual(prices, [...prices].sort((a, b) => a - b));
  const found = await client.query({ query: operation("SearchProducts"), variables: { text: tag.toUpperCase() } });
  assert.deepEqual(
    found.data.products.edges.map((edge) => edge.node.id).sort(),
    [lampId, rugId].sort(),
  );

  // when: three orders, then "my orders" two at a time
  const placed = [];
  for (const [productId, quantity] of [
    [lampId, 1],
    [rugId, 2],
    [lampId, 3],
  ]) {
    const order = await mutate(client, "PlaceOrder", {
      input: { productId, quantity, idempotencyKey: `${tag}-${placed.length}` },
    });
    assert.equal(order.createOrder.__typename, "Order");
    placed.push(order.createOrder.id);
  }
  // one cache entry per global id: the catalogue's lamp shows the stock the
  // last order's product reported, with no refetch
  assert.equal(client.cache.extract()[`Product:${lampId}`].stockQuantity, 6);

  const myOrders = client.watchQuery({ query: operation("MyOrders"), variables: { first: 2 } });
  const firstPage = await myOrders.refetch();
  assert.equal(firstPage.data.orders.totalCount, 3);
  assert.equal(firstPage.data.orders.edges.length, 2);
  assert.equal(firstPage.data.orders.pageInfo.hasNextPage, true);
  await myOrders.fetchMore({ variables: { after: firstPage.data.orders.pageInfo.endCursor } });

  // then: the cache merged both pages into one list, newest first
  const merged = client.readQuery({ query: operation("MyOrders"), variables: { first: 2 } });
  assert.deepEqual(
    merged.orders.edges.map((edge) => edge.node.id),
    [...placed].reverse(),
  );
  assert.equal(merged.orders.pageInfo.hasNextPage, false);
  assert.deepEqual(
    merged.orders.edges.map((edge) => [edge.node.product.name, edge.node.quantity, edge.node.total]),
    [
      [`${tag} lamp`, 3, "59.70"],
      [`${tag} rug`, 2, "14.50"],
      [`${tag} lamp`, 1, "19.90"],
    ],
  );

  // refused orders: each input problem comes back as data, nothing thrown,
  // and one call with several problems names every field at fault
  for (const [input, fields] of [
    [{ productId: lampId, quantity: 0 }, ["quantity"]],
    [{ productId: "not-a-global-id", quantity: 1 }, ["productId"]],
    [{ productId: "not-a-global-id", quantity: 0 }, ["productId", "quantity"]],
  ]) {
    const refused = await client.mutate({ mutation: operation("PlaceOrder"), variables: { input } });
    assert.equal(refused.error, undefined);
    assert.equal(refused.data.createOrder.__typename, "OperationInfo");
    assert.deepEqual(
      refused.data.createOrder.messages.map(({ kind, field, code }) => ({ kind, field, code })),
      fields.map((field) => ({ kind: "VALIDATION", field, code: "VALIDATION" })),
    );
  }

  // cancel: the cached list shows the order canceled, the stock came back
  const canceled = await mutate(client, "CancelOrder", { input: { id: placed[2] } });
  assert.equal(canceled.cancelOrder.status, "CANCELED");
  const afterCancel = client.readQuery({ query: operation("MyOrders"), variables: { first: 2 } });
  assert.equal(afterCancel.orders.edges[0].node.status, "CANCELED");
  assert.equal(client.cache.extract()[`Product:${lampId}`].stockQuantity, 9);

  // logout: signed out for the server, and the app clears its cache
  const logout = await mutate(client, "Logout");
  assert.equal(logout.logout, true);
  await client.clearStore();
  const me = await client.query({ query: operation("Me"), fetchPolicy: "network-only" });
  assert.equal(me.data.me, null);
  const hidden = await client.query({
    query: operation("MyOrders"),
    variables: { first: 2 },
    errorPolicy: "all",
  });
  assert.deepEqual(
    hidden.error?.errors?.map((error) => error.extensions.code),
    ["PERMISSION_DENIED"],
  );
});
