import { defineConfig } from "vitest/config";
import { localRuntimeEnv } from "../scripts/local-runtime.mjs";

// `npm run test:slow`: the end-to-end suites that take minutes by design (chaos, outage,
// watchdog) and the adversarial suite, with the same settings as test/vitest.config.ts. The chaos test's seed comes from
// CHAOS_SEED (.ci/run pins one and prints it); unset, it is random.
export default defineConfig({
  test: {
    name: "e2e-slow",
    root: import.meta.dirname,
    include: ["**/*.slow.test.ts"],
    environment: "node",
    // Wrangler's local trace collector off, as in `npm run dev` (scripts/local-runtime.mjs).
    env: localRuntimeEnv(),
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 90_000,
    onConsoleLog: (log) => !log.includes("[wrangler:info]"),
  },
});
