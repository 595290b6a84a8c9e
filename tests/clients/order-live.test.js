// A customer's order goes pending -> shipped, seen live by Apollo Client 4
// through GraphQLWsLink (graphql-ws), as a frontend would see it.

import assert from "node:assert/strict";
import { test } from "node:test";
import { mutate, newClient, settle, staff, subscribe } from "./lib/site.js";

test("a customer sees their order go from pending to shipped live", async (t) => {
  const shop = await newClient();
  const customer = await newClient();
  t.after(() => Promise.all([shop.close(), customer.close()]));

  const login = await mutate(shop.client, "Login", { input: staff });
  assert.equal(login.login.__typename, "User");
  const username = `apollo${Date.now()}`;
  const registered = await mutate(customer.client, "Register", {
    input: { username, email: `${username}@example.com`, password: staff.password },
  });
  assert.equal(registered.register.__typename, "User");
  const created = await mutate(shop.client, "CreateProduct", {
    input: { name: "Teapot", description: "", price: "12.50", stockQuantity: 5 },
  });
  const productId = created.createProduct.id;

  const changes = subscribe(customer.client, "OrderChanged");
  t.after(() => changes.stop());
  await settle();
  const placed = await mutate(customer.client, "PlaceOrder", {
    input: { productId, quantity: 2 },
  });
  const orderId = placed.createOrder.id;
  const pending = await changes.next();
  await mutate(shop.client, "SetOrderStatus", { input: { id: orderId, status: "SHIPPED" } });
  const shipped = await changes.next();

  assert.equal(pending.data.orderChanged.kind, "PLACED");
  assert.deepEqual(
    { id: pending.data.orderChanged.order.id, status: pending.data.orderChanged.order.status },
    { id: orderId, status: "PENDING" },
  );
  assert.equal(shipped.data.orderChanged.kind, "STATUS_CHANGED");
  assert.deepEqual(
    {
      id: shipped.data.orderChanged.order.id,
      status: shipped.data.orderChanged.order.status,
      quantity: shipped.data.orderChanged.order.quantity,
      product: shipped.data.orderChanged.order.product.name,
    },
    { id: orderId, status: "SHIPPED", quantity: 2, product: "Teapot" },
  );
  // Apollo's cache holds the order as the last event left it.
  const cached = customer.client.cache.extract()[`Order:${orderId}`];
  assert.equal(cached?.status, "SHIPPED");
});
