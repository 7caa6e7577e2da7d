import { describe, expect, it } from "vitest";
import { callProvider, exchange } from "./provider";

// The one HTTP wrapper providers and webhook deliveries share, against a stand-in fetch.
const answering = (body: BodyInit | null, init: ResponseInit = {}) => (async () => new Response(body, init)) as typeof fetch;
/** A server that never answers: the fetch waits until the caller's timeout aborts it. */
const silent = (async (_url: RequestInfo | URL, init?: RequestInit) =>
  new Promise<Response>((_, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal!.reason)))) as typeof fetch;

describe("exchange", () => {
  it("says a call timed out when no answer came in time", async () => {
    const answer = await exchange("https://example.com", {}, { fetcher: silent, timeoutMs: 20 });
    expect(answer).toMatchObject({ kind: "unreachable", timedOut: true });
  });

  it("keeps a network error's message", async () => {
    const failing = (async () => {
      throw new TypeError("connection refused");
    }) as typeof fetch;
    expect(await exchange("https://example.com", {}, { fetcher: failing })).toEqual({ kind: "unreachable", error: "connection refused", timedOut: false });
  });

  it("reads at most maxResponseBytes of a body, and all of it without a limit", async () => {
    const big = "x".repeat(10_000);
    expect(await exchange("https://example.com", {}, { fetcher: answering(big), maxResponseBytes: 100 })).toMatchObject({ kind: "answered", status: 200, text: "x".repeat(100) });
    expect(await exchange("https://example.com", {}, { fetcher: answering(big) })).toMatchObject({ text: big });
  });

  it("reads Retry-After from any answer", async () => {
    const answer = await exchange("https://example.com", {}, { fetcher: answering("slow down", { status: 429, headers: { "retry-after": "7" } }) });
    expect(answer).toMatchObject({ kind: "answered", status: 429, text: "slow down", retryAfterSeconds: 7 });
  });
});

describe("callProvider", () => {
  it("sorts answers into ok, retryable (with the wait asked for) and refused", async () => {
    expect(await callProvider("SES", "https://example.com", {}, { fetcher: answering('{"id":"m1"}', { status: 200 }) })).toMatchObject({ kind: "ok", status: 200, body: { id: "m1" } });
    expect(await callProvider("SES", "https://example.com", {}, { fetcher: answering("busy", { status: 503, headers: { "retry-after": "30" } }) })).toEqual({
      kind: "retryable",
      reason: "SES answered 503: busy",
      afterSeconds: 30,
      maybeActed: false,
    });
    // A 500 or 504 may come after the provider did the work; a 503 or 429 says it did not.
    expect(await callProvider("SES", "https://example.com", {}, { fetcher: answering("oops", { status: 504 }) })).toMatchObject({ kind: "retryable", maybeActed: true });
    expect(await callProvider("SES", "https://example.com", {}, { fetcher: answering("slow down", { status: 429 }) })).toMatchObject({ kind: "retryable", maybeActed: false });
    expect(await callProvider("SES", "https://example.com", {}, { fetcher: answering('{"error":"bad"}', { status: 400, headers: { "retry-after": "30" } }) })).toMatchObject({
      kind: "refused",
      status: 400,
      reason: 'SES answered 400: {"error":"bad"}',
    });
  });

  it("takes a timeout as retryable, naming the provider", async () => {
    const reply = await callProvider("Twilio", "https://example.com", {}, { fetcher: silent, timeoutMs: 20 });
    expect(reply).toMatchObject({ kind: "retryable", maybeActed: true });
    expect(reply.kind === "retryable" && reply.reason).toMatch(/^Twilio unreachable: /);
  });
});
