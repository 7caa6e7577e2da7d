import { DurableObject } from "cloudflare:workers";
import { createLabelRefund, createTransaction } from "./carrier";
import { dnsQuery, type DnsRecord } from "./dns";
import { faultResponse, type ConsumerFault, type Fault, type Provider } from "./faults";
import { sendEmail } from "./ses";
import { createPaymentIntent, createRefund } from "./stripe";
import { createMessage } from "./twilio";

export type ProviderRequest = {
  provider: Provider;
  method: string;
  path: string;
  /** The query string (`?status=410`), which webhook receivers obey. */
  query?: string;
  headers: Record<string, string>;
  body: string;
  origin: string;
};

export type ProviderResponse = { status: number; headers: Record<string, string>; body: string; delayMs: number };

export type RecordedRequest = {
  seq: number;
  provider: Provider;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  status: number;
  outcome: string;
  at: string;
};

type Answer = { status: number; body: unknown; outcome: string; headers?: Record<string, string>; delayMs?: number };

/**
 * The sandbox's memory: every request each provider received, the answer given, the
 * objects created (payment intents, labels), idempotency keys and the fault switches.
 * One object, so counting "charged exactly once" is a query, not a guess.
 */
export class ProviderLedger extends DurableObject<SandboxEnv> {
  private counter = 0;

  constructor(ctx: DurableObjectState, env: SandboxEnv) {
    super(ctx, env);
    ctx.storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS requests (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        provider TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL,
        headers TEXT NOT NULL, body TEXT NOT NULL,
        status INTEGER NOT NULL, outcome TEXT NOT NULL, at TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS faults (provider TEXT PRIMARY KEY, fault TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS idempotency_keys (
        provider TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL,
        status INTEGER NOT NULL, body TEXT NOT NULL, created_ms INTEGER NOT NULL, PRIMARY KEY (provider, key)
      );
      CREATE TABLE IF NOT EXISTS consumer_faults (queue TEXT PRIMARY KEY, plan TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS audit (
        kind TEXT NOT NULL, queue TEXT NOT NULL, event_id TEXT NOT NULL, type TEXT NOT NULL,
        n INTEGER NOT NULL DEFAULT 1, PRIMARY KEY (kind, queue, event_id)
      );
      CREATE TABLE IF NOT EXISTS dns_records (name TEXT PRIMARY KEY, record TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS objects (
        id TEXT PRIMARY KEY, provider TEXT NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL
      );`);
  }

  async handle(request: ProviderRequest): Promise<ProviderResponse> {
    const fault = this.activeFault(request.provider);
    let delayMs = 0;
    if (fault) {
      // A flaky provider misbehaves in one of its modes at random.
      if (fault.mode === "flaky") fault.mode = fault.modes[Math.floor(Math.random() * fault.modes.length)]!;
      const injected = faultResponse(fault);
      if (injected) {
        const body = await injected.text();
        this.record(request, injected.status, `fault:${fault.mode}`);
        return { status: injected.status, headers: Object.fromEntries(injected.headers), body, delayMs: 0 };
      }
      if (fault.mode === "slow") delayMs = fault.delayMs;
      if (fault.mode === "lost") return this.lose(request);
    }
    const answer = this.answer(request);
    this.record(request, answer.status, answer.outcome);
    return {
      status: answer.status,
      headers: { "content-type": "application/json", ...answer.headers },
      body: JSON.stringify(answer.body),
      delayMs: delayMs + (answer.delayMs ?? 0),
    };
  }

  /** The provider does the work; the caller never hears of it (a timeout, a dropped connection). */
  private lose(request: ProviderRequest): ProviderResponse {
    const answer = this.answer(request);
    this.record(request, 504, `lost:${answer.outcome}`);
    return { status: 504, headers: { "content-type": "text/plain" }, body: "gateway timeout (sandbox fault: lost)", delayMs: 0 };
  }

  async setFault(fault: Fault): Promise<Fault> {
    if (fault.mode === "ok") this.ctx.storage.sql.exec("DELETE FROM faults WHERE provider = ?", fault.provider);
    else {
      this.ctx.storage.sql.exec(
        "INSERT INTO faults (provider, fault) VALUES (?, ?) ON CONFLICT (provider) DO UPDATE SET fault = excluded.fault",
        fault.provider,
        JSON.stringify(fault),
      );
    }
    return fault;
  }

  async setDnsRecord(record: DnsRecord): Promise<DnsRecord> {
    this.ctx.storage.sql.exec(
      "INSERT INTO dns_records (name, record) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET record = excluded.record",
      record.name,
      JSON.stringify(record),
    );
    return record;
  }

  async faults(): Promise<Fault[]> {
    return this.ctx.storage.sql.exec<{ fault: string }>("SELECT fault FROM faults").toArray().map((r) => JSON.parse(r.fault) as Fault);
  }

  async requests(filter: { provider?: string; since?: number } = {}): Promise<RecordedRequest[]> {
    return this.ctx.storage.sql
      .exec<Omit<RecordedRequest, "headers"> & { headers: string }>(
        "SELECT * FROM requests WHERE (?1 IS NULL OR provider = ?1) AND seq > ?2 ORDER BY seq",
        filter.provider ?? null,
        filter.since ?? 0,
      )
      .toArray()
      .map((row) => ({ ...row, headers: JSON.parse(row.headers) as Record<string, string> }));
  }

  async objects(kind: string): Promise<unknown[]> {
    return this.objectsOf(kind);
  }

  private objectsOf(kind: string): unknown[] {
    return this.ctx.storage.sql
      .exec<{ body: string }>("SELECT body FROM objects WHERE kind = ? ORDER BY created_at, id", kind)
      .toArray()
      .map((row) => JSON.parse(row.body) as unknown);
  }

  async setConsumerFault(queue: string, plan: ConsumerFault): Promise<ConsumerFault> {
    if (plan.mode === "ok") this.ctx.storage.sql.exec("DELETE FROM consumer_faults WHERE queue = ?", queue);
    else {
      this.ctx.storage.sql.exec(
        "INSERT INTO consumer_faults (queue, plan) VALUES (?, ?) ON CONFLICT (queue) DO UPDATE SET plan = excluded.plan",
        queue,
        JSON.stringify(plan),
      );
    }
    return plan;
  }

  /** Every consumer's plan that is not "ok", by queue: what each worker's hooks read, in one call. */
  async consumerFaults(): Promise<Record<string, ConsumerFault>> {
    const rows = this.ctx.storage.sql.exec<{ queue: string; plan: string }>("SELECT queue, plan FROM consumer_faults ORDER BY queue").toArray();
    return Object.fromEntries(rows.map((row) => [row.queue, JSON.parse(row.plan) as ConsumerFault]));
  }

  async consumerFault(queue: string): Promise<ConsumerFault | { mode: "ok" }> {
    const row = this.ctx.storage.sql.exec<{ plan: string }>("SELECT plan FROM consumer_faults WHERE queue = ?", queue).toArray()[0];
    return row ? (JSON.parse(row.plan) as ConsumerFault) : { mode: "ok" };
  }

  async recordAudit(records: { kind: string; queue: string; eventId: string; type: string }[]): Promise<void> {
    for (const r of records) {
      this.ctx.storage.sql.exec(
        "INSERT INTO audit (kind, queue, event_id, type) VALUES (?, ?, ?, ?) ON CONFLICT (kind, queue, event_id) DO UPDATE SET n = n + 1",
        r.kind,
        r.queue,
        r.eventId,
        r.type,
      );
    }
  }

  /**
   * Per queue: events published to it, events its consumer handled (and how many
   * deliveries that took), events parked dead, and any published event neither handled
   * nor parked — which must be none once retries have drained.
   */
  async auditSummary(): Promise<{ queue: string; published: number; consumed: number; deliveries: number; dead: number; missing: string[] }[]> {
    const queues = this.ctx.storage.sql.exec<{ queue: string }>("SELECT DISTINCT queue FROM audit ORDER BY queue").toArray();
    return queues.map(({ queue }) => {
      const count = (kind: string) =>
        this.ctx.storage.sql.exec<{ n: number; total: number | null }>("SELECT count(*) AS n, sum(n) AS total FROM audit WHERE kind = ? AND queue = ?", kind, queue).one();
      const missing = this.ctx.storage.sql
        .exec<{ event_id: string }>(
          `SELECT event_id FROM audit p WHERE kind = 'published' AND queue = ?1
             AND NOT EXISTS (SELECT 1 FROM audit c WHERE c.queue = ?1 AND c.event_id = p.event_id AND c.kind IN ('consumed', 'dead'))
           LIMIT 50`,
          queue,
        )
        .toArray()
        .map((row) => row.event_id);
      const consumed = count("consumed");
      return { queue, published: count("published").n, consumed: consumed.n, deliveries: consumed.total ?? 0, dead: count("dead").n, missing };
    });
  }

  /** How often each queue's consumer handled (or parked) one event: every delivery it acked counts. */
  async auditOf(eventId: string): Promise<{ kind: string; queue: string; type: string; n: number }[]> {
    return this.ctx.storage.sql.exec<{ kind: string; queue: string; type: string; n: number }>("SELECT kind, queue, type, n FROM audit WHERE event_id = ? ORDER BY queue, kind", eventId).toArray();
  }

  /** Forgets everything: requests, objects, keys, faults, DNS records and the audit. */
  async reset(): Promise<void> {
    this.ctx.storage.sql.exec(
      "DELETE FROM requests; DELETE FROM faults; DELETE FROM idempotency_keys; DELETE FROM objects; DELETE FROM consumer_faults; DELETE FROM audit; DELETE FROM dns_records;",
    );
  }

  private answer(request: ProviderRequest): Answer {
    switch (request.provider) {
      case "stripe":
        return this.stripe(request);
      case "carrier":
        return this.carrier(request);
      case "ses":
        return this.ses(request);
      case "twilio":
        return this.twilio(request);
      case "webhooks":
        return this.webhookReceiver(request);
      case "dns":
        return this.dns(request);
    }
  }

  private dns(request: ProviderRequest): Answer {
    if (request.method !== "GET" || request.path !== "/dns-query") return { status: 404, outcome: "missing", body: { error: "GET /dns-query" } };
    return dnsQuery(new URLSearchParams(request.query ?? ""), request.headers["accept"], (name) => {
      const row = this.ctx.storage.sql.exec<{ record: string }>("SELECT record FROM dns_records WHERE name = ?", name).toArray()[0];
      return row ? (JSON.parse(row.record) as DnsRecord) : undefined;
    });
  }

  private ses(request: ProviderRequest): Answer {
    if (request.method !== "POST" || request.path !== "/v2/email/outbound-emails") {
      return { status: 404, outcome: "missing", body: { message: `no route ${request.method} ${request.path}` } };
    }
    const answer = sendEmail(request.body, request.headers["authorization"] ?? "", (prefix) => this.newId(prefix));
    if (answer.outcome === "sent") {
      const sent = JSON.parse(request.body);
      const simple = sent.Content.Simple;
      this.store("ses", "email", {
        id: (answer.body as { MessageId: string }).MessageId,
        from: sent.FromEmailAddress,
        to: sent.Destination.ToAddresses,
        subject: simple.Subject.Data,
        text: simple.Body.Text?.Data,
        html: simple.Body.Html?.Data,
        tags: sent.EmailTags ?? [],
      });
    }
    return answer;
  }

  private twilio(request: ProviderRequest): Answer {
    const route = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(request.path);
    if (request.method === "GET" && route) return this.listMessages(request);
    if (request.method !== "POST" || !route) return { status: 404, outcome: "missing", body: { code: 20404, message: "The requested resource was not found" } };
    const answer = createMessage(decodeURIComponent(route[1]!), new URLSearchParams(request.body), request.headers["authorization"] ?? "", (prefix) => this.newId(prefix));
    if (answer.outcome === "sent") this.store("twilio", "sms", { id: (answer.body as { sid: string }).sid, ...(answer.body as object) });
    return answer;
  }

  /**
   * A webhook receiver at /webhooks/<any name>: 200 unless the URL asks otherwise, with
   * ?status=, ?retryAfter= (seconds), ?delayMs= (a slow receiver) or ?bodyBytes= (a long answer).
   */
  private webhookReceiver(request: ProviderRequest): Answer {
    const asked = new URLSearchParams(request.query ?? "");
    const status = Number(asked.get("status") ?? 200);
    const headers: Record<string, string> = {};
    if (asked.get("retryAfter")) headers["retry-after"] = asked.get("retryAfter")!;
    if (status >= 300 && status < 400) headers["location"] = `${request.origin}/webhooks/elsewhere`;
    const padding = "x".repeat(Math.min(Number(asked.get("bodyBytes") ?? 0), 1_000_000));
    const body = { received: status < 300, ...(padding ? { padding } : {}) };
    return { status, outcome: status < 300 ? "received" : `answered:${status}`, body, headers, delayMs: Number(asked.get("delayMs") ?? 0) };
  }

  private stripe(request: ProviderRequest): Answer {
    if (!/^Bearer sk_(test|live)_\S+$/.test(request.headers["authorization"] ?? "")) {
      return { status: 401, outcome: "unauthorized", body: { error: { type: "invalid_request_error", message: "You did not provide a valid API key." } } };
    }
    if (request.method === "GET" && request.path === "/v1/payment_intents/search") return this.searchIntents(request);
    if (request.method === "GET" && request.path === "/v1/payment_intents") return this.listIntents(request);
    const intent = /^\/v1\/payment_intents\/([^/]+)$/.exec(request.path);
    if (request.method === "GET" && intent) {
      const found = this.objectOf(intent[1]!);
      return found
        ? { status: 200, outcome: "read", body: found }
        : { status: 404, outcome: "missing", body: { error: { type: "invalid_request_error", message: "No such payment_intent" } } };
    }
    if (request.method === "POST" && request.path === "/v1/payment_intents") {
      return this.idempotent(request, () => {
        const answer = createPaymentIntent(new URLSearchParams(request.body), (prefix) => this.newId(prefix));
        if (answer.outcome === "created") this.store("stripe", "payment_intent", answer.body as { id: string });
        return answer;
      });
    }
    if (request.method === "GET" && request.path === "/v1/refunds") {
      const intent = new URLSearchParams(request.query ?? "").get("payment_intent");
      const data = (this.objectsOf("refund") as { payment_intent?: string }[]).filter((refund) => !intent || refund.payment_intent === intent).reverse();
      return { status: 200, outcome: "listed", body: { object: "list", url: "/v1/refunds", has_more: false, data } };
    }
    if (request.method === "POST" && request.path === "/v1/refunds") {
      return this.idempotent(request, () => {
        const answer = createRefund(new URLSearchParams(request.body), (id) => this.objectOf(id) as never, (prefix) => this.newId(prefix));
        if (answer.intent) this.replace(answer.intent);
        if (answer.outcome === "created") this.store("stripe", "refund", answer.body as { id: string });
        return answer;
      });
    }
    return { status: 404, outcome: "missing", body: { error: { type: "invalid_request_error", message: `Unrecognized request URL (${request.method}: ${request.path})` } } };
  }

  /** Twilio's message list, newest first, filtered by `To`, paged with `Page` and `next_page_uri` as Twilio does. */
  private listMessages(request: ProviderRequest): Answer {
    const asked = new URLSearchParams(request.query ?? "");
    const to = asked.get("To");
    const size = Math.min(Math.max(Number(asked.get("PageSize") ?? 50) || 50, 1), 1000);
    const page = Math.max(Number(asked.get("Page") ?? 0) || 0, 0);
    const all = (this.objectsOf("sms") as { to?: string }[]).filter((message) => !to || message.to === to).reverse();
    const messages = all.slice(page * size, (page + 1) * size);
    const next = new URLSearchParams({ ...(to ? { To: to } : {}), PageSize: String(size), Page: String(page + 1) });
    const nextPageUri = all.length > (page + 1) * size ? `${request.path}?${next}` : null;
    return { status: 200, outcome: "listed", body: { messages, page, page_size: size, next_page_uri: nextPageUri } };
  }

  /** Shippo's GET /transactions/: newest first, `results` per page, `next` to the following page. */
  private listTransactions(request: ProviderRequest): Answer {
    const asked = new URLSearchParams(request.query ?? "");
    const size = Math.min(Math.max(Number(asked.get("results") ?? 25) || 25, 1), 100);
    const page = Math.max(Number(asked.get("page") ?? 1) || 1, 1);
    const labels = (this.objectsOf("label") as { object_created: string }[]).reverse();
    const results = labels.slice((page - 1) * size, page * size);
    const next = labels.length > page * size ? `${request.origin}/carrier/transactions/?results=${size}&page=${page + 1}` : null;
    return { status: 200, outcome: "listed", body: { count: labels.length, next, previous: null, results } };
  }

  /** Stripe's List API: newest first, `created[gte]`, `limit`, `starting_after`, `has_more`. */
  private listIntents(request: ProviderRequest): Answer {
    const asked = new URLSearchParams(request.query ?? "");
    const since = Number(asked.get("created[gte]") ?? 0);
    const limit = Math.min(Math.max(Number(asked.get("limit") ?? 10) || 10, 1), 100);
    let intents = (this.objectsOf("payment_intent") as { id: string; created: number }[]).filter((intent) => intent.created >= since).reverse();
    const after = asked.get("starting_after");
    if (after) intents = intents.slice(intents.findIndex((intent) => intent.id === after) + 1);
    return { status: 200, outcome: "listed", body: { object: "list", url: "/v1/payment_intents", has_more: intents.length > limit, data: intents.slice(0, limit) } };
  }

  /** Stripe's Search API, for the one query choreo makes: `metadata['order_id']:'<id>'`. */
  private searchIntents(request: ProviderRequest): Answer {
    const query = new URLSearchParams(request.query ?? "").get("query") ?? "";
    const match = /^metadata\['([^']+)'\]:'([^']*)'$/.exec(query);
    if (!match) return { status: 400, outcome: "invalid", body: { error: { type: "invalid_request_error", message: `sandbox search understands metadata['key']:'value' only, got ${query}` } } };
    const [, key, value] = match;
    const data = (this.objectsOf("payment_intent") as { metadata?: Record<string, string>; created?: number }[]).filter((intent) => intent.metadata?.[key!] === value);
    return { status: 200, outcome: "searched", body: { object: "search_result", url: "/v1/payment_intents/search", has_more: false, next_page: null, data } };
  }

  private carrier(request: ProviderRequest): Answer {
    if (!/^ShippoToken \S+$/.test(request.headers["authorization"] ?? "")) {
      return { status: 401, outcome: "unauthorized", body: { detail: "Invalid token." } };
    }
    if (request.method === "POST" && /^\/transactions\/?$/.test(request.path)) {
      const parsed = this.parseJson(request.body);
      if (parsed === undefined) return { status: 400, outcome: "invalid", body: { detail: "JSON parse error" } };
      const answer = createTransaction(parsed as never, request.origin, (prefix) => this.newId(prefix));
      if (answer.outcome === "created") this.store("carrier", "label", answer.body as { id?: string; object_id: string });
      return answer;
    }
    if (request.method === "GET" && /^\/transactions\/?$/.test(request.path)) return this.listTransactions(request);
    if (request.method === "POST" && /^\/refunds\/?$/.test(request.path)) {
      const answer = createLabelRefund(this.parseJson(request.body) ?? {}, (id) => this.objectOf(id) as never, (prefix) => this.newId(prefix));
      if (answer.label) this.replace(answer.label);
      if (answer.outcome === "created") this.store("carrier", "label_refund", answer.body as { object_id: string });
      return answer;
    }
    return { status: 404, outcome: "missing", body: { detail: "Not found." } };
  }

  /** Stripe's Idempotency-Key: same key and body replay the first answer; another body is an error. */
  private idempotent(request: ProviderRequest, run: () => Answer): Answer {
    const key = request.headers["idempotency-key"];
    if (!key) return run();
    // Stripe forgets a key after 24 hours (or sooner, as a fault says): then it is new again.
    const windowMs = (this.configuredFault(request.provider)?.idempotencyWindowSeconds ?? 86_400) * 1000;
    this.ctx.storage.sql.exec("DELETE FROM idempotency_keys WHERE provider = ? AND key = ? AND created_ms < ?", request.provider, key, Date.now() - windowMs);
    const row = this.ctx.storage.sql
      .exec<{ fingerprint: string; status: number; body: string }>(
        "SELECT fingerprint, status, body FROM idempotency_keys WHERE provider = ? AND key = ?",
        request.provider,
        key,
      )
      .toArray()[0];
    if (row) {
      if (row.fingerprint !== request.body) {
        return {
          status: 400,
          outcome: "idempotency_mismatch",
          body: { error: { type: "idempotency_error", message: "Keys for idempotent requests can only be used with the same parameters they were first used with." } },
        };
      }
      return { status: row.status, outcome: "replayed", body: JSON.parse(row.body), headers: { "idempotent-replayed": "true" } };
    }
    const answer = run();
    this.ctx.storage.sql.exec(
      "INSERT INTO idempotency_keys (provider, key, fingerprint, status, body, created_ms) VALUES (?, ?, ?, ?, ?, ?)",
      request.provider,
      key,
      request.body,
      answer.status,
      JSON.stringify(answer.body),
      Date.now(),
    );
    return answer;
  }

  private store(provider: Provider, kind: string, body: { id?: string; object_id?: string; [field: string]: unknown }): void {
    this.ctx.storage.sql.exec(
      "INSERT INTO objects (id, provider, kind, body, created_at) VALUES (?, ?, ?, ?, ?)",
      body.id ?? body.object_id,
      provider,
      kind,
      JSON.stringify(body),
      new Date().toISOString(),
    );
  }

  async object(id: string): Promise<unknown> {
    return this.objectOf(id) ?? null;
  }

  /** Updates a stored object in place (a refunded intent, a voided label). */
  private replace(body: { id?: string; object_id?: string }): void {
    this.ctx.storage.sql.exec("UPDATE objects SET body = ? WHERE id = ?", JSON.stringify(body), body.id ?? body.object_id);
  }

  private parseJson(text: string): Record<string, unknown> | undefined {
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }

  private objectOf(id: string): unknown {
    const row = this.ctx.storage.sql.exec<{ body: string }>("SELECT body FROM objects WHERE id = ?", id).toArray()[0];
    return row ? (JSON.parse(row.body) as unknown) : undefined;
  }

  /** The provider's fault as set, whether or not it hits this request. */
  private configuredFault(provider: Provider): Fault | undefined {
    const row = this.ctx.storage.sql.exec<{ fault: string }>("SELECT fault FROM faults WHERE provider = ?", provider).toArray()[0];
    return row ? (JSON.parse(row.fault) as Fault) : undefined;
  }

  private activeFault(provider: Provider): Fault | undefined {
    const fault = this.configuredFault(provider);
    if (!fault) return undefined;
    if (Math.random() >= fault.rate) return undefined;
    if (fault.remaining !== undefined) {
      if (fault.remaining <= 1) this.ctx.storage.sql.exec("DELETE FROM faults WHERE provider = ?", provider);
      else {
        this.ctx.storage.sql.exec("UPDATE faults SET fault = ? WHERE provider = ?", JSON.stringify({ ...fault, remaining: fault.remaining - 1 }), provider);
      }
    }
    return fault;
  }

  private record(request: ProviderRequest, status: number, outcome: string): void {
    this.ctx.storage.sql.exec(
      "INSERT INTO requests (provider, method, path, headers, body, status, outcome, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      request.provider,
      request.method,
      request.path,
      JSON.stringify(request.headers),
      request.body,
      status,
      outcome,
      new Date().toISOString(),
    );
  }

  private newId(prefix: string): string {
    this.counter += 1;
    const random = crypto.getRandomValues(new Uint8Array(9));
    return `${prefix}_sandbox${[...random].map((b) => b.toString(36).padStart(2, "0")).join("").slice(0, 14)}${this.counter}`;
  }
}
