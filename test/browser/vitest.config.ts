import { defineConfig } from "vitest/config";

// `npm run test:browser`: the operations console in headless Chromium against `npm run dev`.
// Not part of `npm test`, which runs without a browser.
export default defineConfig({
  test: {
    name: "browser",
    root: import.meta.dirname,
    include: ["**/*.browser.ts"],
    environment: "node",
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 180_000,
  },
});
