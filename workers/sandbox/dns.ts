import { z } from "zod";

/**
 * What a name resolves to in the sandbox, set by tests with `POST /_sandbox/dns`: `A` and
 * `AAAA` addresses (each may be empty), or `NXDOMAIN`. Unset names answer a public address.
 */
export const DnsRecord = z.strictObject({
  name: z.string().min(1).max(253).transform((name) => name.toLowerCase().replace(/\.$/, "")),
  A: z.array(z.string()).max(16).default([]),
  AAAA: z.array(z.string()).max(16).default([]),
  ttl: z.number().int().min(0).max(86_400).default(60),
  status: z.enum(["NOERROR", "NXDOMAIN", "SERVFAIL"]).default("NOERROR"),
});
export type DnsRecord = z.infer<typeof DnsRecord>;

/** For a name no test configured: a public address (the sandbox knows no real ones), so dev subscriptions work. */
const DEFAULT_ANSWER = { A: ["1.1.1.1"], AAAA: ["2606:4700:4700::1111"] };
const TYPES = { A: 1, AAAA: 28 } as const;
const RCODES = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 } as const;

export type DnsAnswer = { status: number; body: unknown; outcome: string; headers: Record<string, string> };

/**
 * Cloudflare's DNS over HTTPS JSON API (`GET /dns-query?name=…&type=A|AAAA`, `accept:
 * application/dns-json`), answering from the configured records. Names under `.invalid` never
 * resolve (RFC 6761).
 */
export function dnsQuery(query: URLSearchParams, accept: string | undefined, recordOf: (name: string) => DnsRecord | undefined): DnsAnswer {
  const headers = { "content-type": "application/dns-json" };
  const name = query.get("name")?.toLowerCase().replace(/\.$/, "");
  const typeName = (query.get("type") ?? "A").toUpperCase();
  const type = TYPES[typeName as keyof typeof TYPES] ?? Number(typeName);
  if (!accept?.includes("application/dns-json") && query.get("ct") !== "application/dns-json") {
    return { status: 400, outcome: "invalid", body: { error: "send accept: application/dns-json" }, headers };
  }
  if (!name || !(type === TYPES.A || type === TYPES.AAAA)) {
    return { status: 400, outcome: "invalid", body: { error: "name and type (A or AAAA) are required" }, headers };
  }
  const record: DnsRecord = recordOf(name) ?? {
    name,
    ttl: 300,
    status: name.endsWith(".invalid") || name === "invalid" ? "NXDOMAIN" : "NOERROR",
    ...DEFAULT_ANSWER,
  };
  const data = record.status === "NOERROR" ? (type === TYPES.A ? record.A : record.AAAA) : [];
  const body = {
    Status: RCODES[record.status],
    TC: false,
    RD: true,
    RA: true,
    AD: false,
    CD: false,
    Question: [{ name: `${name}.`, type }],
    ...(data.length ? { Answer: data.map((address) => ({ name: `${name}.`, type, TTL: record.ttl, data: address })) } : {}),
  };
  return { status: 200, outcome: record.status === "NOERROR" ? `resolved:${data.length}` : record.status.toLowerCase(), body, headers };
}
