import { describe, expect, it } from "vitest";
import { blockedAddress, parseIp } from "./address-ranges";

// One address inside each range of the table (and its edges where they are easy to get wrong).
const refused: [string, string][] = [
  ["0.0.0.0", "'this network'"],
  ["10.255.255.255", "private"],
  ["100.64.0.1", "carrier-grade NAT"],
  ["100.127.255.255", "carrier-grade NAT"],
  ["127.0.0.1", "loopback"],
  ["169.254.169.254", "link-local"],
  ["172.16.0.1", "private"],
  ["172.31.255.255", "private"],
  ["192.0.0.8", "IETF protocol assignments"],
  ["192.0.2.1", "documentation"],
  ["192.88.99.1", "6to4 relay"],
  ["192.168.1.1", "private"],
  ["198.19.255.255", "benchmarking"],
  ["198.51.100.7", "documentation"],
  ["203.0.113.9", "documentation"],
  ["224.0.0.251", "multicast"],
  ["239.255.255.250", "multicast"],
  ["240.0.0.1", "reserved"],
  ["255.255.255.255", "limited broadcast"],
  ["::", "unspecified"],
  ["::1", "loopback"],
  ["::ffff:0:0", "IPv4-mapped"],
  ["::ffff:8.8.8.8", "IPv4-mapped"], // a public IPv4 inside, still never a webhook's address
  ["::ffff:127.0.0.1", "IPv4-mapped, loopback"],
  ["::ffff:0:0:0", "IPv4-translated"],
  ["::ffff:0:a00:1", "IPv4-translated, private"],
  ["::8.8.8.8", "IPv4-compatible"],
  ["64:ff9b::a00:1", "NAT64 of a private IPv4 address"],
  ["64:ff9b::169.254.169.254", "NAT64 of a link-local"],
  ["64:ff9b:1::1", "local-use NAT64"],
  ["64:ff9b:1:ffff::808:808", "local-use NAT64"],
  ["100::1", "discard-only"],
  ["100::ffff:ffff:ffff:ffff", "discard-only"],
  ["2001::1", "Teredo"],
  ["2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"],
  ["2001:2::1", "benchmarking"],
  ["2001:10::1", "ORCHID"],
  ["2001:1ff::1", "IETF protocol assignments"],
  ["2001:db8::1", "documentation"],
  ["2002:7f00:1::1", "6to4 of a loopback"],
  ["2002:c0a8:101::", "6to4 of a private"],
  ["3fff:fff::1", "documentation"],
  ["5f00::1", "segment routing"],
  ["fc00::1", "unique local"],
  ["fd12:3456::1", "unique local"],
  ["fe80::1", "link-local"],
  ["febf:ffff::1", "link-local"],
  ["fec0::1", "site-local"],
  ["ff02::1", "multicast"],
  ["4000::1", "not global unicast"],
  ["1::1", "not global unicast"],
];

const publicAddresses = [
  "8.8.8.8",
  "1.1.1.1",
  "100.63.255.255", // just below carrier-grade NAT
  "100.128.0.0", // just above it
  "172.15.255.255",
  "172.32.0.1",
  "192.0.1.1",
  "192.169.0.1",
  "198.20.0.1",
  "223.255.255.255",
  "2606:4700:4700::1111",
  "2a00:1450:4001:82a::200e",
  "64:ff9b::808:808", // NAT64 of 8.8.8.8
  "2002:808:808::1", // 6to4 of 8.8.8.8
  "2001:200::1", // just past 2001::/23
  "2001:db9::1",
];

describe("the special-purpose address table", () => {
  it.each(refused)("refuses %s (%s)", (address, what) => {
    expect(blockedAddress(address)).toContain(what);
  });

  it.each(publicAddresses)("lets the public %s through", (address) => {
    expect(blockedAddress(address)).toBeUndefined();
  });

  it("reads the spellings a DNS answer or URL may use and refuses what it cannot read", () => {
    expect(blockedAddress("FE80::1")).toContain("link-local");
    expect(blockedAddress("0:0:0:0:0:ffff:7f00:1")).toContain("loopback");
    for (const bad of ["256.1.1.1", "1.2.3", "1::2::3", "12345::1", "1:2:3:4:5:6:7:8:9", "::ffff:300.1.1.1", "example.com"]) {
      expect(parseIp(bad), bad).toBeUndefined();
      expect(blockedAddress(bad), bad).toBe("malformed IP address");
    }
  });
});
