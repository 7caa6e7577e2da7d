import { typesFor } from "../../src/contracts/topology";
import { consumeWholeBatch } from "../../src/platform/consumer";
import { createProjectionsApi } from "./admin-api";
import { projectionHandler, type ProjectionStores } from "./projection";

const stores = (env: ProjectionsEnv): ProjectionStores => ({
  reporting: env.REPORTING,
  lake: env.LAKE,
  piiKey: env.LAKE_PII_KEY,
});

const api = createProjectionsApi();

export default {
  fetch: (request, env, ctx) => api.fetch(request, env, ctx),
  async queue(batch, env, _ctx) {
    await consumeWholeBatch(batch, {
      types: typesFor("projections"),
      handle: projectionHandler(stores(env)),
      deadLetters: env.DEAD_LETTERS,
    });
  },
} satisfies ExportedHandler<ProjectionsEnv>;
