import { defineConfig } from "vitest/config";
import { localRuntimeEnv } from "../scripts/local-runtime.mjs";

// End-to-end: every worker in workerd with real queues and Durable Objects, driven from
// Node through wrangler's test harness. One stack per file, each its own workerd with its own
// storage, so two files run side by side: a stack's boot is mostly waiting, and this halves the
// suite's critical path (npm test 173 s → 144 s wall here).
// `*.slow.test.ts` (chaos, outage, watchdog) run in `npm run test:slow` (test/vitest.slow.config.ts).
export default defineConfig({
  test: {
    name: "e2e",
    root: import.meta.dirname,
    include: ["**/*.test.ts"],
    exclude: ["**/*.slow.test.ts", "**/node_modules/**"],
    environment: "node",
    // Wrangler's local trace collector off, as in `npm run dev` (scripts/local-runtime.mjs).
    env: localRuntimeEnv(),
    fileParallelism: true,
    maxWorkers: 2,
    testTimeout: 90_000,
    hookTimeout: 90_000,
    // The harness echoes every request and queue batch; keep test output readable.
    onConsoleLog: (log) => !log.includes("[wrangler:info]"),
  },
});
