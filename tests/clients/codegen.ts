// graphql-codegen as the README recommends: `typescript-operations` alone (in
// the pinned 6.x it writes the input and enum types the operations use; adding
// the `typescript` plugin declares them twice and tsc fails), scalars mapped
// to their wire format. Run by codegen.test.js, then `tsc --strict --noEmit`.
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "../../schema/schema.graphql",
  documents: "../contract/frontend-operations.graphql",
  generates: {
    "generated/operations.ts": {
      plugins: ["typescript-operations"],
      config: {
        strictScalars: true,
        scalars: {
          DateTime: "string", // RFC 3339 text
          Decimal: "string", // "12.50": keep it a string, never a float
        },
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
  },
};

export default config;
