import { blockedAddress } from "./address-ranges";

/**
 * The SSRF guard for webhook endpoint URLs: only https to a public hostname on the default
 * port. The WHATWG URL parser already turns decimal, octal, hex and shortened IPv4 forms
 * (`2130706433`, `0177.1`, `0x7f.0.0.1`) into dotted quads and compresses IPv6, so the
 * checks below see one canonical spelling of every address; address-ranges.ts says which are refused.
 */
export type UrlPolicy = {
  /** Ports other than 443 that endpoints may use. */
  allowedPorts?: readonly number[];
  /** Development only: also accept http://127.0.0.1:<port> (a local receiver). */
  allowLocalHttp?: boolean;
};

type UrlVerdict = { ok: true; url: string } | { ok: false; reason: string };

export function checkEndpointUrl(raw: string, policy: UrlPolicy = {}): UrlVerdict {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "not an absolute URL" };
  }
  if (url.username || url.password) return { ok: false, reason: "credentials in the URL are not allowed; authenticate with the signature" };
  const host = url.hostname.toLowerCase().replace(/\.$/, "");

  if (policy.allowLocalHttp && url.protocol === "http:" && host === "127.0.0.1" && url.port) return { ok: true, url: url.href };
  if (url.protocol !== "https:") return { ok: false, reason: "the URL must use https" };
  if (url.port && !(policy.allowedPorts ?? []).includes(Number(url.port))) {
    return { ok: false, reason: `port ${url.port} is not allowed; use the default https port` };
  }

  const literal = host.startsWith("[") ? host.slice(1, -1) : /^\d+\.\d+\.\d+\.\d+$/.test(host) ? host : undefined;
  if (literal !== undefined) {
    const blocked = blockedAddress(literal);
    return blocked ? { ok: false, reason: `${host} is not a public address (${blocked})` } : { ok: true, url: url.href };
  }
  if (host === "localhost" || host.endsWith(".localhost")) return { ok: false, reason: `${host} is the local machine` };
  if (/\.(local|internal|localdomain|home\.arpa)$/.test(host) || !host.includes(".")) {
    return { ok: false, reason: `${host} is not a public hostname` };
  }
  return { ok: true, url: url.href };
}
