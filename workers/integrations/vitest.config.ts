import { workerProject } from "../../test/worker-project.ts";

// Integrations with its real bindings and queues; SES, Twilio and the webhook receivers are the
// sandbox, reached over HTTP. A short webhook schedule whose 4th step (14 h) needs the alarm.
export default workerProject({
  name: "integrations",
  config: "workers/integrations/wrangler.toml",
  include: ["workers/integrations/**/*.test.ts"],
  sandbox: true,
  bindings: (sandbox) => ({
    SES_ENDPOINT: `${sandbox}/ses`,
    SES_ACCESS_KEY_ID: "AKIDUNITTEST",
    SES_SECRET_ACCESS_KEY: "unit-test-secret-key",
    EMAIL_FROM: "orders@shop.example",
    SHOP_NAME: "Choreo Shop",
    TWILIO_API_BASE: `${sandbox}/twilio`,
    TWILIO_ACCOUNT_SID: "ACunittest",
    TWILIO_AUTH_TOKEN: "unit-test-token",
    TWILIO_FROM: "+15005550006",
    ADMIN_TOKEN: "test-admin-token",
    WEBHOOK_ALLOW_LOCAL_HTTP: "true",
    DOH_URL: `${sandbox}/dns/dns-query`,
    WEBHOOK_RETRY_SCHEDULE: "0,1,1,50400",
    // Every consumer call reads the subscriptions KV afresh: each test changes endpoints.
    WEBHOOK_SUBSCRIPTIONS_TTL_SECONDS: "0",
  }),
});
