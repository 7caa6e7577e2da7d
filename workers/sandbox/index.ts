import { createSandboxApp } from "./app";

export { ProviderLedger } from "./ledger";

const app = createSandboxApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<SandboxEnv>;
