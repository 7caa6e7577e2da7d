import { defineConfig } from "vitest/config";

// End-to-end: every worker in workerd with real queues and Durable Objects, driven from
// Node through wrangler's test harness. One stack per file; files run one at a time.
export default defineConfig({
  test: {
    name: "e2e",
    root: import.meta.dirname,
    include: ["**/*.test.ts"],
    environment: "node",
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 90_000,
    // The harness echoes every request and queue batch; keep test output readable.
    onConsoleLog: (log) => !log.includes("[wrangler:info]"),
  },
});
