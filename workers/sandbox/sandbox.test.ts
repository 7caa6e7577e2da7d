import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import worker from "./index";

async function send(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const request = new Request(`http://sandbox.local${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const response = await worker.fetch(request as Request<unknown, IncomingRequestCfProperties>, env as SandboxEnv, {} as ExecutionContext);
  const text = new TextDecoder().decode(await response.arrayBuffer());
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    // a PDF label or a plain-text fault
  }
  return { status: response.status, headers: response.headers, json, text };
}

const stripe = (form: Record<string, string>, headers: Record<string, string> = {}) =>
  send("POST", "/stripe/v1/payment_intents", new URLSearchParams(form).toString(), {
    authorization: "Bearer sk_test_x",
    "content-type": "application/x-www-form-urlencoded",
    ...headers,
  });
const visa = { amount: "1000", currency: "usd", payment_method: "pm_card_visa", confirm: "true", "metadata[order_id]": "ord_1" };

beforeEach(async () => {
  await send("DELETE", "/_sandbox/requests");
});

describe("Stripe stand-in", () => {
  it("creates a succeeded PaymentIntent for a good card", async () => {
    const res = await stripe(visa);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ object: "payment_intent", amount: 1000, currency: "usd", status: "succeeded", metadata: { order_id: "ord_1" } });
    expect(res.json.id).toMatch(/^pi_/);
  });

  it("declines the declining test cards with a card_error", async () => {
    const res = await stripe({ ...visa, payment_method: "pm_card_chargeDeclinedInsufficientFunds" });
    expect(res.status).toBe(402);
    expect(res.json.error).toMatchObject({ type: "card_error", code: "card_declined", decline_code: "insufficient_funds" });
  });

  it("replays the first answer for a repeated Idempotency-Key and refuses other parameters", async () => {
    const first = await stripe(visa, { "idempotency-key": "key-1" });
    const again = await stripe(visa, { "idempotency-key": "key-1" });
    expect(again.json.id).toBe(first.json.id);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    const other = await stripe({ ...visa, amount: "2000" }, { "idempotency-key": "key-1" });
    expect(other.status).toBe(400);
    expect(other.json.error.type).toBe("idempotency_error");
    const { objects } = (await send("GET", "/_sandbox/objects/payment_intent")).json;
    expect(objects).toHaveLength(1);
  });

  it("refunds a PaymentIntent once in full", async () => {
    const intent = (await stripe(visa)).json;
    const refund = (form: Record<string, string>, key?: string) =>
      send("POST", "/stripe/v1/refunds", new URLSearchParams(form).toString(), {
        authorization: "Bearer sk_test_x",
        "content-type": "application/x-www-form-urlencoded",
        ...(key ? { "idempotency-key": key } : {}),
      });
    const first = await refund({ payment_intent: intent.id }, "r1");
    expect(first.json).toMatchObject({ object: "refund", amount: 1000, status: "succeeded", payment_intent: intent.id });
    expect((await refund({ payment_intent: intent.id }, "r1")).json.id).toBe(first.json.id);
    const twice = await refund({ payment_intent: intent.id }, "r2");
    expect(twice.status).toBe(400);
    expect(twice.json.error.code).toBe("charge_already_refunded");
    expect((await refund({ payment_intent: "pi_nope" })).status).toBe(404);
  });

  it("requires an API key", async () => {
    const res = await stripe(visa, { authorization: "" });
    expect(res.status).toBe(401);
  });
});

describe("carrier stand-in", () => {
  const label = {
    shipment: {
      address_from: { name: "W", street1: "1 A St", city: "SF", zip: "94117", country: "US" },
      address_to: { name: "Ada", street1: "1 Main St", city: "Springfield", zip: "12345", country: "US" },
      parcels: [{ weight: "100", mass_unit: "g" }],
    },
    metadata: "order ord_1",
  };

  it("buys a label with a tracking number and a label URL that serves a PDF", async () => {
    const res = await send("POST", "/carrier/transactions/", JSON.stringify(label), { authorization: "ShippoToken t", "content-type": "application/json" });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ status: "SUCCESS", metadata: "order ord_1" });
    const pdf = await send("GET", new URL(res.json.label_url).pathname);
    expect(pdf.headers.get("content-type")).toBe("application/pdf");
    expect(pdf.text.startsWith("%PDF-")).toBe(true);
  });

  it("voids a label once", async () => {
    const bought = (await send("POST", "/carrier/transactions/", JSON.stringify(label), { authorization: "ShippoToken t" })).json;
    const voidIt = () => send("POST", "/carrier/refunds/", JSON.stringify({ transaction: bought.object_id }), { authorization: "ShippoToken t" });
    const first = await voidIt();
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({ status: "SUCCESS", transaction: bought.object_id });
    const second = await voidIt();
    expect(second.status).toBe(400);
    expect(second.text).toContain("already been refunded");
  });

  it("refuses an incomplete address", async () => {
    const broken = { ...label, shipment: { ...label.shipment, address_to: { name: "Ada" } } };
    const res = await send("POST", "/carrier/transactions/", JSON.stringify(broken), { authorization: "ShippoToken t" });
    expect(res.status).toBe(400);
  });
});

describe("faults and the request record", () => {
  it("fails the next N requests as asked, then answers normally", async () => {
    await send("POST", "/_sandbox/faults", JSON.stringify({ provider: "stripe", mode: "throttle", retryAfterSeconds: 9, remaining: 2 }));
    const first = await stripe(visa);
    const second = await stripe(visa);
    const third = await stripe(visa);
    expect([first.status, second.status, third.status]).toEqual([429, 429, 200]);
    expect(first.headers.get("retry-after")).toBe("9");
  });

  it("keeps a fault on one provider away from the others", async () => {
    await send("POST", "/_sandbox/faults", JSON.stringify({ provider: "carrier", mode: "down" }));
    expect((await stripe(visa)).status).toBe(200);
    const res = await send("POST", "/carrier/transactions/", "{}", { authorization: "ShippoToken t" });
    expect(res.status).toBe(503);
    await send("POST", "/_sandbox/faults", JSON.stringify({ provider: "carrier", mode: "ok" }));
  });

  it("records every request with its outcome", async () => {
    await stripe(visa);
    await send("POST", "/_sandbox/faults", JSON.stringify({ provider: "stripe", mode: "error", remaining: 1 }));
    await stripe(visa);
    const { requests } = (await send("GET", "/_sandbox/requests?provider=stripe")).json;
    expect(requests.map((r: { outcome: string; status: number }) => [r.outcome, r.status])).toEqual([
      ["created", 200],
      ["fault:error", 500],
    ]);
  });

  it("rejects an unknown fault", async () => {
    const res = await send("POST", "/_sandbox/faults", JSON.stringify({ provider: "stripe", mode: "explode" }));
    expect(res.status).toBe(422);
  });
});

describe("SES, Twilio and webhook receiver stand-ins", () => {
  const email = JSON.stringify({
    FromEmailAddress: "shop@example.com",
    Destination: { ToAddresses: ["ada@example.com"] },
    Content: { Simple: { Subject: { Data: "Hi" }, Body: { Text: { Data: "Hello" } } } },
  });
  const sigv4 = `AWS4-HMAC-SHA256 Credential=AKID/20261127/us-east-1/ses/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=${"a".repeat(64)}`;

  it("accepts a SigV4-shaped SendEmail, keeps the email and refuses an unsigned one", async () => {
    const sent = await send("POST", "/ses/v2/email/outbound-emails", email, { authorization: sigv4, "content-type": "application/json" });
    expect(sent.status).toBe(200);
    expect(sent.json.MessageId).toMatch(/^ses_/);
    const { objects } = (await send("GET", "/_sandbox/objects/email")).json;
    expect(objects.at(-1)).toMatchObject({ id: sent.json.MessageId, to: ["ada@example.com"], subject: "Hi", text: "Hello" });
    const unsigned = await send("POST", "/ses/v2/email/outbound-emails", email, { "content-type": "application/json" });
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get("x-amzn-errortype")).toMatch(/^SignatureDoesNotMatch:/);
  });

  it("answers Twilio's magic numbers with their error codes", async () => {
    const sms = (to: string) =>
      send("POST", "/twilio/2010-04-01/Accounts/ACx/Messages.json", new URLSearchParams({ To: to, From: "+15005550006", Body: "hi" }).toString(), {
        authorization: `Basic ${btoa("ACx:token")}`,
        "content-type": "application/x-www-form-urlencoded",
      });
    expect((await sms("+14155550100")).json).toMatchObject({ sid: expect.stringMatching(/^SM/), status: "queued", to: "+14155550100" });
    expect(await sms("+15005550001")).toMatchObject({ status: 400, json: { code: 21211 } });
    expect(await sms("+15005550004")).toMatchObject({ status: 400, json: { code: 21610 } });
    expect(await sms("+15005550009")).toMatchObject({ status: 400, json: { code: 21614 } });
  });

  it("has webhook receivers that answer as their URL asks, and records what they got", async () => {
    expect((await send("POST", "/webhooks/erp", "{}", { "webhook-id": "msg_1" })).status).toBe(200);
    const gone = await send("POST", "/webhooks/erp?status=503&retryAfter=30", "{}");
    expect(gone.status).toBe(503);
    expect(gone.headers.get("retry-after")).toBe("30");
    const { requests } = (await send("GET", "/_sandbox/requests?provider=webhooks")).json;
    expect(requests.map((r: { path: string; status: number; headers: Record<string, string> }) => [r.path, r.status])).toEqual([
      ["/erp", 200],
      ["/erp", 503],
    ]);
    expect(requests[0].headers["webhook-id"]).toBe("msg_1");
  });
});

describe("DNS over HTTPS stand-in", () => {
  const doh = (name: string, type: string, accept = "application/dns-json") => send("GET", `/dns/dns-query?name=${name}&type=${type}`, undefined, { accept });

  it("answers configured names in Cloudflare's JSON shape, and every other name with a public address", async () => {
    const set = await send("POST", "/_sandbox/dns", JSON.stringify({ name: "Intranet.Example.", A: ["10.0.0.1"], ttl: 0 }));
    expect(set.status).toBe(200);
    const a = await doh("intranet.example", "A");
    expect(a.headers.get("content-type")).toBe("application/dns-json");
    expect(a.json).toMatchObject({ Status: 0, Question: [{ name: "intranet.example.", type: 1 }], Answer: [{ name: "intranet.example.", type: 1, TTL: 0, data: "10.0.0.1" }] });
    expect((await doh("intranet.example", "AAAA")).json).toEqual(expect.not.objectContaining({ Answer: expect.anything() }));
    expect((await doh("erp.example.com", "AAAA")).json.Answer).toEqual([expect.objectContaining({ type: 28, data: "2606:4700:4700::1111" })]);
    const { requests } = (await send("GET", "/_sandbox/requests?provider=dns")).json;
    expect(requests.map((r: { path: string }) => r.path)).toEqual(["/dns-query", "/dns-query", "/dns-query"]);
  });

  it("answers NXDOMAIN for .invalid and configured names, and 400 without the JSON accept header", async () => {
    expect((await doh("nothing.invalid", "A")).json).toMatchObject({ Status: 3 });
    await send("POST", "/_sandbox/dns", JSON.stringify({ name: "gone.example.com", status: "NXDOMAIN" }));
    expect((await doh("gone.example.com", "A")).json).toMatchObject({ Status: 3 });
    expect((await doh("erp.example.com", "A", "application/json")).status).toBe(400);
    expect((await send("POST", "/_sandbox/dns", JSON.stringify({ name: "x.example", A: "10.0.0.1" }))).status).toBe(422);
  });
});

describe("the sandbox's own API", () => {
  it("refuses an unknown queue, object kind or provider filter with a problem", async () => {
    const queue = await send("POST", "/_sandbox/consumers/billingg", JSON.stringify({ mode: "down" }));
    expect(queue.status).toBe(422);
    expect(queue.json.errors[0].path).toBe("queue");
    expect((await send("GET", "/_sandbox/objects/charges")).status).toBe(422);
    expect((await send("GET", "/_sandbox/requests?provider=paypal")).status).toBe(422);
    expect((await send("GET", "/_sandbox/requests?since=-1")).status).toBe(422);
  });

  it("keeps a consumer's fault plan until it is switched back", async () => {
    await send("POST", "/_sandbox/consumers/billing", JSON.stringify({ mode: "chaos", seed: 7, throwRate: 0.5 }));
    expect((await send("GET", "/_sandbox/consumers/billing")).json).toMatchObject({ mode: "chaos", seed: 7, throwRate: 0.5, duplicateRate: 0 });
    // What every worker's hooks read: all the plans that are not "ok", in one answer.
    expect((await send("GET", "/_sandbox/consumers")).json.plans.billing).toMatchObject({ mode: "chaos", seed: 7, throwRate: 0.5 });
    await send("POST", "/_sandbox/consumers/billing", JSON.stringify({ mode: "ok" }));
    expect((await send("GET", "/_sandbox/consumers/billing")).json).toEqual({ mode: "ok" });
    expect((await send("GET", "/_sandbox/consumers")).json.plans).not.toHaveProperty("billing");
  });
});
