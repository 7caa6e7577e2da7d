import path from "node:path";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const root = path.resolve(import.meta.dirname, "../..");

export default defineConfig({
  plugins: [cloudflareTest({ wrangler: { configPath: path.join(import.meta.dirname, "wrangler.toml") } })],
  test: { name: "sandbox", root, include: ["workers/sandbox/**/*.test.ts"] },
});
