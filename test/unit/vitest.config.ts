import path from "node:path";
import { defineConfig } from "vitest/config";

// Each service's decisions (state + message → next state, events, effects) are plain
// functions: `*.unit.test.ts` beside them run here, in Node, without workerd; so do the
// deploy checks of scripts/ and the bench's cost arithmetic.
export default defineConfig({
  test: {
    name: "decisions",
    root: path.resolve(import.meta.dirname, "../.."),
    include: ["workers/**/*.unit.test.ts", "src/**/*.unit.test.ts", "scripts/**/*.unit.test.ts", "bench/**/*.unit.test.ts"],
    environment: "node",
  },
});
