/**
 * The addresses no webhook may reach, as one table of CIDR ranges. Source: IANA's special-purpose
 * address registries, every entry not "globally reachable"
 * (https://www.iana.org/assignments/iana-ipv4-special-registry/ and
 * https://www.iana.org/assignments/iana-ipv6-special-registry/, as of 2025), plus multicast and
 * IPv6 outside global unicast (2000::/3, the IPv6 address space registry). Stricter than IANA where
 * a range only hides another address (Teredo, the whole 2001::/23 block): no receiver lives there.
 */
type Range = {
  cidr: string;
  what: string;
  /** Bits right of the IPv4 address carried inside this IPv6 range. */
  ipv4At?: number;
  /** Reachable itself (NAT64's well-known prefix, 6to4): refused only when the IPv4 inside is. */
  judgedByIpv4?: boolean;
};

const IPV4_RANGES: Range[] = [
  { cidr: "0.0.0.0/8", what: "'this network'" },
  { cidr: "10.0.0.0/8", what: "private" },
  { cidr: "100.64.0.0/10", what: "carrier-grade NAT (shared)" },
  { cidr: "127.0.0.0/8", what: "loopback" },
  { cidr: "169.254.0.0/16", what: "link-local (cloud metadata)" },
  { cidr: "172.16.0.0/12", what: "private" },
  { cidr: "192.0.0.0/24", what: "IETF protocol assignments" },
  { cidr: "192.0.2.0/24", what: "documentation" },
  { cidr: "192.88.99.0/24", what: "6to4 relay anycast" },
  { cidr: "192.168.0.0/16", what: "private" },
  { cidr: "198.18.0.0/15", what: "benchmarking" },
  { cidr: "198.51.100.0/24", what: "documentation" },
  { cidr: "203.0.113.0/24", what: "documentation" },
  { cidr: "224.0.0.0/4", what: "multicast" },
  { cidr: "255.255.255.255/32", what: "limited broadcast" },
  { cidr: "240.0.0.0/4", what: "reserved" },
];

// First match wins: the narrower ranges come before the ones that contain them.
const IPV6_RANGES: Range[] = [
  { cidr: "::/128", what: "unspecified" },
  { cidr: "::1/128", what: "loopback" },
  { cidr: "::ffff:0:0/96", what: "IPv4-mapped", ipv4At: 0 },
  { cidr: "::ffff:0:0:0/96", what: "IPv4-translated", ipv4At: 0 },
  { cidr: "::/96", what: "IPv4-compatible (deprecated)", ipv4At: 0 },
  { cidr: "64:ff9b::/96", what: "NAT64", ipv4At: 0, judgedByIpv4: true },
  { cidr: "64:ff9b:1::/48", what: "local-use NAT64" },
  { cidr: "100::/64", what: "discard-only" },
  { cidr: "100:0:0:1::/64", what: "dummy prefix" },
  { cidr: "2001::/32", what: "Teredo" },
  { cidr: "2001:2::/48", what: "benchmarking" },
  { cidr: "2001:10::/28", what: "ORCHID (deprecated)" },
  { cidr: "2001::/23", what: "IETF protocol assignments" },
  { cidr: "2001:db8::/32", what: "documentation" },
  { cidr: "2002::/16", what: "6to4", ipv4At: 80, judgedByIpv4: true },
  { cidr: "3fff::/20", what: "documentation" },
  { cidr: "5f00::/16", what: "segment routing (SRv6)" },
  { cidr: "fc00::/7", what: "unique local (private)" },
  { cidr: "fe80::/10", what: "link-local" },
  { cidr: "fec0::/10", what: "site-local (deprecated)" },
  { cidr: "ff00::/8", what: "multicast" },
];

const GLOBAL_UNICAST = "2000::/3";

type Parsed = { version: 4 | 6; value: bigint };
type Compiled = Range & { base: bigint; shift: bigint };

function compile(range: Range): Compiled {
  const [address, bits] = range.cidr.split("/") as [string, string];
  const parsed = parseIp(address);
  if (!parsed) throw new Error(`not an address: ${range.cidr}`);
  const shift = BigInt((parsed.version === 4 ? 32 : 128) - Number(bits));
  return { ...range, base: parsed.value >> shift, shift };
}

const V4 = IPV4_RANGES.map(compile);
const V6 = IPV6_RANGES.map(compile);
const globalUnicast = compile({ cidr: GLOBAL_UNICAST, what: "global unicast" });

const within = (value: bigint, range: Compiled) => value >> range.shift === range.base;

function blockedIpv4(value: bigint): string | undefined {
  return V4.find((range) => within(value, range))?.what;
}

/** Why an IP address (dotted IPv4, or IPv6 without brackets) must not be reached; undefined when it is public. */
export function blockedAddress(text: string): string | undefined {
  const ip = parseIp(text);
  if (!ip) return "malformed IP address";
  if (ip.version === 4) return blockedIpv4(ip.value);
  const range = V6.find((candidate) => within(ip.value, candidate));
  if (range) {
    const inner = range.ipv4At === undefined ? undefined : blockedIpv4((ip.value >> BigInt(range.ipv4At)) & 0xffff_ffffn);
    if (range.judgedByIpv4) return inner && `${range.what} of a ${inner} IPv4 address`;
    return inner ? `${range.what}, ${inner}` : range.what;
  }
  return within(ip.value, globalUnicast) ? undefined : "not global unicast";
}

/** An address as a number: strict dotted-quad IPv4, or IPv6 with an optional dotted IPv4 tail. */
export function parseIp(text: string): Parsed | undefined {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(text)) {
    const octets = text.split(".").map(Number);
    return octets.every((o) => o <= 255) ? { version: 4, value: octets.reduce((n, o) => (n << 8n) | BigInt(o), 0n) } : undefined;
  }
  const groups = ipv6Groups(text);
  return groups && { version: 6, value: groups.reduce((n, g) => (n << 16n) | BigInt(g), 0n) };
}

/** Eight 16-bit groups of an IPv6 address (with an optional dotted IPv4 tail), or undefined. */
function ipv6Groups(text: string): number[] | undefined {
  let address = text.toLowerCase();
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    if ([a, b, c, d].some((o) => o > 255)) return undefined;
    address = `${address.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = address.split("::");
  if (halves.length > 2) return undefined;
  const parse = (part: string) => (part ? part.split(":").map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN)) : []);
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0) || (halves.length === 2 && missing === 0)) return undefined;
  const groups = [...head, ...Array<number>(missing).fill(0), ...tail];
  return groups.every((g) => Number.isInteger(g)) ? groups : undefined;
}
