import { Hono } from "hono";
import { z } from "zod";
import { QUEUES } from "../../src/contracts/topology";
import { fieldsOf, Problem, validationProblem } from "../../src/platform/problem";
import { DnsRecord } from "./dns";
import { AuditRecords, ConsumerFault, Fault, Provider } from "./faults";
import type { ProviderLedger } from "./ledger";

type SandboxApiEnv = { Bindings: SandboxEnv };

const ledgerOf = (env: SandboxEnv) => env.LEDGER.get(env.LEDGER.idFromName("ledger")) as DurableObjectStub<ProviderLedger>;

const ObjectKind = z.enum(["payment_intent", "refund", "label", "label_refund", "email", "sms"]);

/** Fault plans are kept per consumed queue; anything else is a typo worth a 422. */
function queueOf(name: string): string {
  const queue = z.enum(QUEUES).safeParse(name);
  if (!queue.success) throw validationProblem([{ path: "queue", message: `expected one of ${QUEUES.join(", ")}` }]);
  return queue.data;
}

const RequestsQuery = z.strictObject({ provider: Provider.optional(), since: z.coerce.number().int().min(0).default(0) });

/** Where each provider's API is mounted; the workers' `*_API_BASE` vars point here in dev. */
const MOUNTS: Record<Provider, string> = { stripe: "/stripe", carrier: "/carrier", ses: "/ses", twilio: "/twilio", webhooks: "/webhooks", dns: "/dns" };

// The smallest valid PDF, so a label URL opens in a viewer.
const LABEL_PDF =
  "%PDF-1.1\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj " +
  "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 288 432]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

/**
 * Local stand-ins for Stripe, the carrier, SES, Twilio, webhook receivers and a DNS over HTTPS resolver, speaking their
 * API shapes, recording every request and failing on demand. Runs under `npm run dev` and in tests; never deployed.
 */
export function createSandboxApp() {
  const app = new Hono<SandboxApiEnv>();
  app.onError((error) =>
    error instanceof Problem ? error.toResponse() : Response.json({ error: String(error) }, { status: 500 }),
  );

  app.get("/health", (c) => c.json({ ok: true, service: "sandbox" }));

  app.get("/carrier/labels/:file", async (c) => {
    const id = c.req.param("file").replace(/\.pdf$/, "");
    if (!(await ledgerOf(c.env).object(id))) return c.notFound();
    return new Response(LABEL_PDF, { headers: { "content-type": "application/pdf" } });
  });

  for (const provider of Provider.options) {
    app.all(`${MOUNTS[provider]}/*`, async (c) => {
      const url = new URL(c.req.url);
      const answer = await ledgerOf(c.env).handle({
        provider,
        method: c.req.method,
        path: url.pathname.slice(MOUNTS[provider].length) || "/",
        query: url.search,
        headers: Object.fromEntries(c.req.raw.headers),
        body: new TextDecoder().decode(await c.req.arrayBuffer()), // form bodies too, without a charset warning
        origin: url.origin,
      });
      if (answer.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
      return new Response(answer.body, { status: answer.status, headers: answer.headers });
    });
  }

  app.get("/_sandbox/requests", async (c) => {
    const query = RequestsQuery.safeParse(c.req.query());
    if (!query.success) throw validationProblem(fieldsOf(query.error));
    const { provider, since } = query.data;
    return c.json({ requests: await ledgerOf(c.env).requests({ ...(provider ? { provider } : {}), since }) });
  });
  app.delete("/_sandbox/requests", async (c) => {
    await ledgerOf(c.env).reset();
    return c.body(null, 204);
  });
  // What a name resolves to at /dns/dns-query: {"name":"internal.example","A":["10.0.0.1"]} (workers/sandbox/dns.ts).
  app.post("/_sandbox/dns", async (c) => {
    const record = DnsRecord.safeParse(await c.req.json().catch(() => null));
    if (!record.success) throw validationProblem(fieldsOf(record.error), "Not a DNS record: see workers/sandbox/dns.ts.");
    return c.json(await ledgerOf(c.env).setDnsRecord(record.data));
  });
  app.get("/_sandbox/faults", async (c) => c.json({ faults: await ledgerOf(c.env).faults() }));
  app.post("/_sandbox/faults", async (c) => {
    const fault = Fault.safeParse(await c.req.json().catch(() => null));
    if (!fault.success) throw validationProblem(fieldsOf(fault.error), "Not a fault: see workers/sandbox/faults.ts.");
    return c.json(await ledgerOf(c.env).setFault(fault.data));
  });
  // Consumers' fault plans (dev/test): {"mode":"down"} stops a service, {"mode":"chaos",…} injects faults.
  // Every plan that is not "ok", by queue: each worker reads them all at once (workers/sandbox/delivery-hooks.ts).
  app.get("/_sandbox/consumers", async (c) => c.json({ plans: await ledgerOf(c.env).consumerFaults() }));
  app.get("/_sandbox/consumers/:queue", async (c) => c.json(await ledgerOf(c.env).consumerFault(queueOf(c.req.param("queue")))));
  app.post("/_sandbox/consumers/:queue", async (c) => {
    const queue = queueOf(c.req.param("queue"));
    const plan = ConsumerFault.safeParse(await c.req.json().catch(() => null));
    if (!plan.success) throw validationProblem(fieldsOf(plan.error), "Not a consumer fault plan: see workers/sandbox/faults.ts.");
    return c.json(await ledgerOf(c.env).setConsumerFault(queue, plan.data));
  });
  app.post("/_sandbox/audit", async (c) => {
    const records = AuditRecords.safeParse(await c.req.json().catch(() => null));
    if (!records.success) throw validationProblem(fieldsOf(records.error));
    await ledgerOf(c.env).recordAudit(records.data);
    return c.body(null, 204);
  });
  app.get("/_sandbox/audit", async (c) => c.json({ queues: await ledgerOf(c.env).auditSummary() }));
  app.get("/_sandbox/audit/events/:id", async (c) => c.json({ records: await ledgerOf(c.env).auditOf(c.req.param("id")) }));
  app.get("/_sandbox/objects/:kind", async (c) => {
    const kind = ObjectKind.safeParse(c.req.param("kind"));
    if (!kind.success) throw validationProblem(fieldsOf(kind.error).map((f) => ({ ...f, path: "kind" })));
    return c.json({ objects: await ledgerOf(c.env).objects(kind.data) });
  });
  return app;
}
