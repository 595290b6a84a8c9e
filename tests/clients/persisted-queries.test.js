// Apollo's persisted-query link against the server: an unknown hash is a
// miss, the link resends with the text, and later requests carry the hash
// alone. What was sent and answered is recorded at the fetch Apollo calls.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { mutate, newClient, operation, sha256, staff } from "./lib/site.js";

const manifest = JSON.parse(
  readFileSync(new URL("../../schema/trusted-documents.json", import.meta.url), "utf8"),
);

async function newProduct(tag) {
  const shop = await newClient();
  try {
    await mutate(shop.client, "Login", { input: staff });
    const created = await mutate(shop.client, "CreateProduct", {
      input: { name: `${tag} vase`, description: "", price: "30.00", stockQuantity: 4 },
    });
    return created.createProduct.id;
  } finally {
    await shop.close();
  }
}

const hashOnly = (exchange) =>
  exchange.request.query === undefined && Boolean(exchange.request.extensions?.persistedQuery?.sha256Hash);

// The server remembers a hash for every client: each run sends a document
// nothing else in the suite sends with a hash.
for (const [method, name, product] of [
  ["POST", "ProductDetail", (data) => data.product],
  ["GET", "Refetch", (data) => data.node],
]) {
  const useGETForHashedQueries = method === "GET";

  test(`persisted queries over ${method}: a miss, the resend, then the hash alone`, async (t) => {
    const productId = await newProduct(`apq${method}${Date.now()}`);
    const exchanges = [];
    const visit = await newClient({ persistedQueries: { sha256, useGETForHashedQueries }, exchanges });
    t.after(() => visit.close());
    const read = () =>
      visit.client.query({
        query: operation(name),
        variables: { id: productId },
        fetchPolicy: "network-only",
      });

    const first = await read();
    const second = await read();

    assert.equal(product(first.data).price, "30.00");
    assert.deepEqual(second.data, first.data);
    assert.deepEqual(
      exchanges.map((exchange) => [exchange.method, hashOnly(exchange)]),
      // the resend carries the text, always by POST
      [
        [method, true],
        ["POST", false],
        [method, true],
      ],
    );
    const [miss, resend, hit] = exchanges;
    assert.deepEqual(
      miss.response.errors.map((error) => [error.message, error.extensions.code]),
      [["PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND"]],
    );
    assert.equal(miss.response.data, undefined);
    // Apollo's text has __typename added, so its hash is not the manifest's
    const hash = resend.request.extensions.persistedQuery.sha256Hash;
    assert.equal(hash, sha256(resend.request.query));
    assert.match(resend.request.query, /__typename/);
    assert.equal(manifest[hash], undefined);
    assert.equal(hit.request.extensions.persistedQuery.sha256Hash, hash);
    assert.equal(product(hit.response.data).id, productId);
  });
}

test("a generateHash that names the manifest's hash hits on the first request", async (t) => {
  const productId = await newProduct(`apqmanifest${Date.now()}`);
  const byName = Object.fromEntries(
    Object.entries(manifest).map(([hash, text]) => [text.match(/^\w+ (\w+)/)[1], hash]),
  );
  const exchanges = [];
  const visit = await newClient({
    persistedQueries: {
      generateHash: (document) => byName[document.definitions[0].name.value],
    },
    exchanges,
  });
  t.after(() => visit.close());

  const result = await visit.client.query({
    query: operation("ProductDetail"),
    variables: { id: productId },
    fetchPolicy: "no-cache",
  });

  assert.equal(result.data.product.name.endsWith(" vase"), true);
  // the server ran the manifest's text, not Apollo's: no __typename, so
  // Apollo's cache could not normalize the product (see README, Frontend)
  assert.equal(result.data.product.__typename, undefined);
  assert.deepEqual(exchanges.map(hashOnly), [true]);
  assert.equal(exchanges[0].request.extensions.persistedQuery.sha256Hash, byName.ProductDetail);
});
