// The GraphQL over HTTP spec audit (graphql-http's serverAudits): no MUST or
// SHOULD fails, in production and in DEBUG. Its checks of the `variables`
// parameter query `__type(name: $name)`, so they need introspection: with it
// off (production's default) exactly those fail, as the README lists.

import assert from "node:assert/strict";
import { test } from "node:test";
import { serverAudits } from "graphql-http";
import { debugUrl, graphqlUrl, introspectionUrl } from "./lib/site.js";

// The audits that query __type; README, Frontend, lists them.
const NEED_INTROSPECTION = ["28B9", "2EA1", "6A70", "D6D5"];

async function audit(url) {
  const results = [];
  for (const check of serverAudits({ url })) {
    results.push(await check.fn());
  }
  return results;
}

const line = (result) => `${result.id} ${result.status}: ${result.name} (${result.reason})`;

for (const [mode, url] of [
  ["production, introspection on", introspectionUrl],
  ["DEBUG", debugUrl],
]) {
  test(`the graphql-http audit: no MUST or SHOULD fails (${mode})`, async () => {
    const results = await audit(url);

    // a failed MUST is an "error", a failed SHOULD a "warn" (a MAY: "notice")
    const failed = results.filter((result) => ["error", "warn"].includes(result.status));
    assert.deepEqual(failed.map(line), []);
    assert.ok(results.length >= 60, `${results.length} audits ran`);
  });
}

test("with introspection off, only the audits that query __type fail", async () => {
  const results = await audit(graphqlUrl);

  const failed = results.filter((result) => result.status !== "ok");
  assert.deepEqual(failed.map((result) => result.id).sort(), NEED_INTROSPECTION, failed.map(line).join("\n"));
});
