/// <reference types="@cloudflare/vitest-plugin/types" />
// Setup file of worker projects with a D1 database (workerProject's `d1` option): applies the
// worker's migrations, as `wrangler d1 migrations apply` would, before its tests run.
import { applyD1Migrations, type D1Migration } from "cloudflare:test";
import { env } from "cloudflare:workers";

const bindings = env as unknown as Record<string, unknown> & { TEST_D1_BINDING: string; TEST_D1_MIGRATIONS: D1Migration[] };
await applyD1Migrations(bindings[bindings.TEST_D1_BINDING] as D1Database, bindings.TEST_D1_MIGRATIONS);
