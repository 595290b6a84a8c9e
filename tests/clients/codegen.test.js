// graphql-codegen with the README's configuration (codegen.ts) types the
// contract's operations from the committed schema/schema.graphql, and the
// result, with a frontend's use of it (typed/usage.ts), passes
// `tsc --strict --noEmit`. Offline: both tools come from node_modules.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { test } from "node:test";
import { promisify } from "node:util";

const run = promisify(execFile);
const here = new URL(".", import.meta.url).pathname;
const bin = (name) => `${here}node_modules/.bin/${name}`;

async function step(name, args) {
  try {
    await run(bin(name), args, { cwd: here });
  } catch (failure) {
    assert.fail(`${name} ${args.join(" ")} failed:\n${failure.stdout}\n${failure.stderr}`);
  }
}

test("codegen types the contract's operations and tsc --strict accepts them", async () => {
  await rm(`${here}generated`, { recursive: true, force: true });
  await step("graphql-codegen", ["--config", "codegen.ts", "--silent"]);
  await step("tsc", ["--strict", "--noEmit", "-p", "tsconfig.json"]);

  const generated = await readFile(`${here}generated/operations.ts`, "utf8");
  for (const type of ["PlaceOrderMutation", "MyOrdersQuery", "OrderChangedSubscription"]) {
    assert.match(generated, new RegExp(`export type ${type} = `));
  }
  assert.match(generated, /code: ErrorCode/);
});
