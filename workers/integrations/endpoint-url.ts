/**
 * The SSRF guard for webhook endpoint URLs: only https to a public hostname on the default
 * port. The WHATWG URL parser already turns decimal, octal, hex and shortened IPv4 forms
 * (`2130706433`, `0177.1`, `0x7f.0.0.1`) into dotted quads and compresses IPv6, so the
 * checks below see one canonical spelling of every address.
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

  if (host.startsWith("[")) {
    const blocked = blockedIpv6(host.slice(1, -1));
    return blocked ? { ok: false, reason: `${host} is a ${blocked} address` } : { ok: true, url: url.href };
  }
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) {
    const blocked = blockedIpv4(host.split(".").map(Number));
    return blocked ? { ok: false, reason: `${host} is a ${blocked} address` } : { ok: true, url: url.href };
  }
  if (host === "localhost" || host.endsWith(".localhost")) return { ok: false, reason: `${host} is the local machine` };
  if (/\.(local|internal|localdomain|home\.arpa)$/.test(host) || !host.includes(".")) {
    return { ok: false, reason: `${host} is not a public hostname` };
  }
  return { ok: true, url: url.href };
}

/** IPv4 ranges no webhook may reach: [first octets, prefix length, what it is]. */
const IPV4_BLOCKS: [number[], number, string][] = [
  [[0], 8, "'this network'"],
  [[10], 8, "private"],
  [[100, 64], 10, "carrier-grade NAT (shared)"],
  [[127], 8, "loopback"],
  [[169, 254], 16, "link-local (cloud metadata)"],
  [[172, 16], 12, "private"],
  [[192, 0, 0], 24, "IETF protocol"],
  [[192, 0, 2], 24, "documentation"],
  [[192, 88, 99], 24, "6to4 relay"],
  [[192, 168], 16, "private"],
  [[198, 18], 15, "benchmarking"],
  [[198, 51, 100], 24, "documentation"],
  [[203, 0, 113], 24, "documentation"],
  [[224], 4, "multicast"],
  [[240], 4, "reserved"],
];

function blockedIpv4(octets: number[]): string | undefined {
  const value = octets.reduce((n, o) => n * 256 + o, 0);
  for (const [start, bits, what] of IPV4_BLOCKS) {
    const base = [...start, 0, 0, 0, 0].slice(0, 4).reduce((n, o) => n * 256 + o, 0);
    const size = 2 ** (32 - bits);
    if (value >= base && value < base + size) return what;
  }
  return undefined;
}

function blockedIpv6(text: string): string | undefined {
  const groups = expandIpv6(text);
  if (!groups) return "malformed IPv6";
  const [g0, , , , , g5, g6, g7] = groups as [number, number, number, number, number, number, number, number];
  const zeroUntil = (n: number) => groups.slice(0, n).every((g) => g === 0);
  if (zeroUntil(8)) return "unspecified";
  if (zeroUntil(7) && g7 === 1) return "loopback";
  const embedded = [g6 >> 8, g6 & 255, g7 >> 8, g7 & 255];
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) reach the IPv4 inside.
  if ((zeroUntil(5) && (g5 === 0xffff || g5 === 0)) || (g0 === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0))) {
    return blockedIpv4(embedded) ?? undefined;
  }
  if (g0 === 0x2002) return blockedIpv4([groups[1]! >> 8, groups[1]! & 255, groups[2]! >> 8, groups[2]! & 255]); // 6to4
  if ((g0 & 0xfe00) === 0xfc00) return "unique local (private)";
  if ((g0 & 0xffc0) === 0xfe80) return "link-local";
  if ((g0 & 0xffc0) === 0xfec0) return "site-local";
  if ((g0 & 0xff00) === 0xff00) return "multicast";
  if (g0 === 0x2001 && groups[1] === 0x0db8) return "documentation";
  return undefined;
}

/** Eight 16-bit groups of an IPv6 address (with an optional dotted IPv4 tail), or undefined. */
function expandIpv6(text: string): number[] | undefined {
  let address = text;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    address = `${address.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = address.split("::");
  if (halves.length > 2) return undefined;
  const parse = (part: string) => (part ? part.split(":").map((g) => parseInt(g, 16)) : []);
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
  const groups = [...head, ...Array<number>(missing).fill(0), ...tail];
  return groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}
