import path from "node:path";
import { describe, expect, it } from "vitest";
import { experimental_readRawConfig } from "wrangler";
import { sandboxedConfig } from "./sandboxed.mjs";
import { WORKERS } from "./workers.mjs";

const ROOT = path.resolve(import.meta.dirname, "..");

describe("the sandboxed configs npm run dev and the end-to-end tests run", () => {
  it.each(WORKERS.map((worker: { name: string }) => worker.name))("%s: runs the plugged entry and declares SANDBOX_URL, so .dev.vars can point it at the sandbox", (name) => {
    const worker = WORKERS.find((candidate: { name: string }) => candidate.name === name);
    const config = experimental_readRawConfig({ config: path.join(ROOT, sandboxedConfig(worker)) }).rawConfig as { main?: string; vars?: Record<string, unknown> };
    expect(config.main).toContain(`sandbox/plugged/${name}.ts`);
    // wrangler loads from .dev.vars only the vars a config declares and the secrets it requires.
    expect(config.vars).toHaveProperty("SANDBOX_URL", "");
  });
});
