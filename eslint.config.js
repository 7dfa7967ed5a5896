// Lint without type information: `tsc --noEmit` already type-checks, once, in `npm test`.
const js = require("@eslint/js");
const tseslint = require("typescript-eslint");

module.exports = tseslint.config(
  { ignores: ["node_modules/", "out/", "coverage/", "reports/", ".stryker-tmp/", "workflows/__rendered__/", "**/__bundle__/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      eqeqeq: ["error", "always"],
      "no-restricted-imports": [
        "error",
        { name: "@pulumi/github", message: "Import GitHub resources from infra/github/sdk.ts: the package index costs 0.35 s at start-up." },
        { name: "@pulumi/aws", message: "Import AWS resources from infra/aws/sdk.ts: the package index loads thousands of modules." },
      ],
    },
  },
  {
    files: ["**/*.js"],
    languageOptions: { sourceType: "commonjs", globals: { require: "readonly", module: "writable", __dirname: "readonly", __filename: "readonly", process: "readonly" } },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
