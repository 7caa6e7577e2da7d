import { z } from "zod";
import { exchange } from "../../src/platform/provider";
import { blockedAddress, parseIp } from "./address-ranges";

/** Cloudflare's resolver: a Worker's own fetch resolves through Cloudflare too, so both see the same answers. */
export const DEFAULT_DOH_URL = "https://cloudflare-dns.com/dns-query";
const LOOKUP_TIMEOUT_MS = 5_000;
/** The longest an isolate trusts an answer, whatever its TTL says. */
const MAX_CACHE_SECONDS = 300;
const RECORD_TYPES = { A: 1, AAAA: 28 } as const;
const NOERROR = 0;
const NXDOMAIN = 3;

/** The DNS over HTTPS JSON answer (RFC 8427-like, as Cloudflare and Google serve it); only what the check reads. */
const DohAnswer = z.object({
  Status: z.number().int(),
  Answer: z.array(z.object({ type: z.number().int(), TTL: z.number().int().min(0), data: z.string() })).optional(),
});

/** `unavailable`: the resolver did not answer usefully, which says nothing about the host. */
export type HostVerdict = { ok: true } | { ok: false; reason: string; unavailable?: boolean };

type Lookup = { kind: "answered"; addresses: string[]; ttl: number } | { kind: "failed"; reason: string };

const cache = new Map<string, { until: number; verdict: HostVerdict }>();

/**
 * The second half of the SSRF guard: every A and AAAA address the URL's host name resolves to
 * (through DNS over HTTPS) must be public, so a name pointing at 10.0.0.1 is refused like the
 * literal. IP literals were judged by checkEndpointUrl already. Verdicts drawn from answers are
 * kept per isolate for their TTL; a failed lookup is not kept.
 */
export async function checkEndpointHost(url: string, dohUrl: string, options: { now?: number; fetcher?: typeof fetch } = {}): Promise<HostVerdict> {
  const host = new URL(url).hostname.toLowerCase().replace(/\.$/, "");
  if (host.startsWith("[") || parseIp(host)) return { ok: true };
  const now = options.now ?? Date.now();
  const cached = cache.get(host);
  if (cached && cached.until > now) return cached.verdict;

  const lookups = await Promise.all((["A", "AAAA"] as const).map((type) => lookup(dohUrl || DEFAULT_DOH_URL, host, type, options.fetcher)));
  const failed = lookups.find((answer) => answer.kind === "failed");
  if (failed?.kind === "failed") return { ok: false, unavailable: true, reason: `could not resolve ${host}: ${failed.reason}` };
  const answered = lookups.filter((answer) => answer.kind === "answered");
  const addresses = answered.flatMap((answer) => answer.addresses);
  if (addresses.length === 0) return { ok: false, reason: `${host} does not resolve to any address` };

  const refused = addresses.map((address) => ({ address, what: blockedAddress(address) })).find((answer) => answer.what);
  const verdict: HostVerdict = refused ? { ok: false, reason: `${host} resolves to ${refused.address}, not a public address (${refused.what})` } : { ok: true };
  const ttl = Math.min(MAX_CACHE_SECONDS, ...answered.map((answer) => answer.ttl));
  if (ttl > 0) cache.set(host, { until: now + ttl * 1000, verdict });
  return verdict;
}

async function lookup(dohUrl: string, host: string, type: keyof typeof RECORD_TYPES, fetcher?: typeof fetch): Promise<Lookup> {
  const url = `${dohUrl}?name=${encodeURIComponent(host)}&type=${type}`;
  const answer = await exchange(url, { headers: { accept: "application/dns-json" } }, { timeoutMs: LOOKUP_TIMEOUT_MS, maxResponseBytes: 64 * 1024, ...(fetcher ? { fetcher } : {}) });
  if (answer.kind === "unreachable") return { kind: "failed", reason: `the resolver is unreachable (${answer.error})` };
  if (answer.status !== 200) return { kind: "failed", reason: `the resolver answered ${answer.status}` };
  let parsed: z.infer<typeof DohAnswer>;
  try {
    parsed = DohAnswer.parse(JSON.parse(answer.text));
  } catch {
    return { kind: "failed", reason: "the resolver's answer is not DNS JSON" };
  }
  if (parsed.Status === NXDOMAIN) return { kind: "answered", addresses: [], ttl: 0 };
  if (parsed.Status !== NOERROR) return { kind: "failed", reason: `the resolver answered DNS status ${parsed.Status}` };
  // CNAMEs in the chain come first; only the addresses of the asked type count.
  const records = (parsed.Answer ?? []).filter((record) => record.type === RECORD_TYPES[type]);
  return { kind: "answered", addresses: records.map((record) => record.data), ttl: Math.min(MAX_CACHE_SECONDS, ...records.map((record) => record.TTL)) };
}

