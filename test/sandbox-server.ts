// Vitest global setup for worker projects that call external providers: starts the
// provider sandbox on a free port and hands its URL to the project's bindings.
import path from "node:path";
import type { TestProject } from "vitest/node";
import { createTestHarness } from "wrangler";

export default async function setup(project: TestProject) {
  const root = path.resolve(import.meta.dirname, "..");
  const sandbox = createTestHarness({ root, workers: [{ configPath: "workers/sandbox/wrangler.toml" }] });
  const { url } = await sandbox.listen();
  project.provide("sandboxUrl", url.origin);
  return () => sandbox.close();
}
