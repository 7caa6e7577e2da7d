import { defineConfig } from "vitest/config";

// Each worker is a project running in workerd (the Workers Vitest plugin); the services'
// pure decisions run in Node (test/unit); test/ holds the end-to-end suite, which runs every
// worker through wrangler's test harness from Node.
export default defineConfig({
  test: {
    projects: ["workers/*/vitest.config.ts", "workers/sales/vitest.rate-limits.config.ts", "bench/vitest.config.ts", "test/unit/vitest.config.ts", "test/vitest.config.ts"],
  },
});
