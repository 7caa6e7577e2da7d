import path from "node:path";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const root = path.resolve(import.meta.dirname, "../..");

// Sales' unit tests, plus the shared contracts and platform, in workerd with Sales' real bindings.
export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: path.join(root, "wrangler.toml") },
      miniflare: {
        bindings: { ADMIN_TOKEN: "test-admin-token", DEFAULT_PAYMENT_METHOD: "pm_card_visa" },
        // Sales forwards /admin/stock to Warehouse; this stand-in echoes what it received.
        workers: [
          {
            name: "warehouse",
            modules: true,
            compatibilityDate: "2026-08-01",
            script: `export default { async fetch(request) {
              return Response.json({ forwarded: true, method: request.method, path: new URL(request.url).pathname,
                authorization: request.headers.get("authorization"), body: await request.text() });
            } };`,
          },
        ],
      },
    }),
  ],
  test: { name: "sales", root, include: ["workers/sales/**/*.test.ts", "src/**/*.test.ts"] },
});
