import path from "node:path";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { queueTap } from "../../test/queue-tap";

const root = path.resolve(import.meta.dirname, "../..");

// Warehouse in workerd with its real bindings; the carrier is the sandbox, reached over HTTP.
export default defineConfig({
  plugins: [
    cloudflareTest(({ inject }) => ({
      wrangler: { configPath: path.join(import.meta.dirname, "wrangler.toml") },
      miniflare: {
        bindings: {
          CARRIER_API_BASE: `${inject("sandboxUrl")}/carrier`,
          CARRIER_API_KEY: "shippo_test_unit",
          CARRIER_ACCOUNT: "sandbox-usps",
          ADMIN_TOKEN: "test-admin-token",
          STOCK_RETRY_SECONDS: "5",
        },
        serviceBindings: { TAP: "queue-tap" },
        workers: [queueTap(["sales"])],
      },
    })),
  ],
  test: {
    name: "warehouse",
    root,
    include: ["workers/warehouse/**/*.test.ts"],
    globalSetup: [path.join(root, "test/sandbox-server.ts")],
  },
});
