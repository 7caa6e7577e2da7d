import path from "node:path";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { queueTap } from "../../test/queue-tap";

const root = path.resolve(import.meta.dirname, "../..");

// Billing in workerd with its real bindings; Stripe is the sandbox, reached over HTTP.
export default defineConfig({
  plugins: [
    cloudflareTest(({ inject }) => ({
      wrangler: { configPath: path.join(import.meta.dirname, "wrangler.toml") },
      miniflare: {
        bindings: { STRIPE_API_BASE: `${inject("sandboxUrl")}/stripe`, STRIPE_SECRET_KEY: "sk_test_unit" },
        serviceBindings: { TAP: "queue-tap" },
        workers: [queueTap(["warehouse", "sales"])],
      },
    })),
  ],
  test: {
    name: "billing",
    root,
    include: ["workers/billing/**/*.test.ts"],
    globalSetup: [path.join(root, "test/sandbox-server.ts")],
  },
});
