import { describe, expect, it } from "vitest";
import { checkEndpointHost } from "./endpoint-dns";

type Records = Record<string, { type: number; TTL: number; data: string }[] | number>;

/** A resolver answering Cloudflare's JSON shape from `records` (a number: that DNS status), counting the questions. */
function resolver(records: Records) {
  const asked: string[] = [];
  const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    asked.push(`${url.searchParams.get("name")} ${url.searchParams.get("type")}`);
    if (new Headers(init?.headers).get("accept") !== "application/dns-json") return new Response("accept", { status: 400 });
    const type = url.searchParams.get("type") === "A" ? 1 : 28;
    const entry = records[url.searchParams.get("name")!] ?? 3;
    return Response.json(typeof entry === "number" ? { Status: entry } : { Status: 0, Answer: entry.filter((r) => r.type === type || r.type === 5) });
  }) as typeof fetch;
  return { asked, fetcher };
}

const A = (data: string, TTL = 60) => ({ type: 1, TTL, data });
const AAAA = (data: string, TTL = 60) => ({ type: 28, TTL, data });

describe("resolving a webhook host over DNS over HTTPS", () => {
  it("accepts a host whose every address is public, following a CNAME chain", async () => {
    const { fetcher } = resolver({ "cdn.example.com": [{ type: 5, TTL: 60, data: "edge.example.net." }, A("93.184.215.14"), AAAA("2606:2800::1")] });
    expect(await checkEndpointHost("https://cdn.example.com/in", "https://doh.test/dns-query", { fetcher })).toEqual({ ok: true });
  });

  it("refuses a host with any private address, A or AAAA", async () => {
    const { fetcher } = resolver({ "mixed.example.com": [A("93.184.215.14"), AAAA("fd00::1")] });
    expect(await checkEndpointHost("https://mixed.example.com/in", "https://doh.test/dns-query", { fetcher })).toEqual({
      ok: false,
      reason: "mixed.example.com resolves to fd00::1, not a public address (unique local (private))",
    });
  });

  it("asks nothing for an IP literal, which the URL check judged", async () => {
    const { asked, fetcher } = resolver({});
    expect(await checkEndpointHost("http://127.0.0.1:8789/webhooks/a", "https://doh.test/dns-query", { fetcher })).toEqual({ ok: true });
    expect(await checkEndpointHost("https://[2606:4700::1111]/in", "https://doh.test/dns-query", { fetcher })).toEqual({ ok: true });
    expect(asked).toEqual([]);
  });

  it("keeps a verdict for the answers' shortest TTL, and asks again after it", async () => {
    const { asked, fetcher } = resolver({ "cached.example.com": [A("93.184.215.14", 30), AAAA("2606:2800::1", 120)] });
    const check = (now: number) => checkEndpointHost("https://cached.example.com/in", "https://doh.test/dns-query", { fetcher, now });
    await check(1_000_000);
    await check(1_000_000 + 29_999);
    expect(asked).toHaveLength(2); // A and AAAA, once
    await check(1_000_000 + 30_000);
    expect(asked).toHaveLength(4);
  });

  it("says the host does not resolve, and that the resolver failed, without keeping either", async () => {
    const { asked, fetcher } = resolver({ "broken.example.com": 2 });
    const gone = await checkEndpointHost("https://nowhere.example.com/in", "https://doh.test/dns-query", { fetcher });
    expect(gone).toEqual({ ok: false, reason: "nowhere.example.com does not resolve to any address" });
    const broken = await checkEndpointHost("https://broken.example.com/in", "https://doh.test/dns-query", { fetcher });
    expect(broken).toEqual({ ok: false, unavailable: true, reason: "could not resolve broken.example.com: the resolver answered DNS status 2" });
    const down = await checkEndpointHost("https://any.example.com/in", "https://doh.test/dns-query", { fetcher: (async () => new Response("", { status: 502 })) as typeof fetch });
    expect(down).toMatchObject({ ok: false, unavailable: true, reason: expect.stringContaining("the resolver answered 502") });
    await checkEndpointHost("https://nowhere.example.com/in", "https://doh.test/dns-query", { fetcher });
    expect(asked.filter((q) => q.startsWith("nowhere"))).toHaveLength(4);
  });
});
