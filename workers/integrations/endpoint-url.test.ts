import { describe, expect, it } from "vitest";
import { checkEndpointUrl } from "./endpoint-url";
import { admin } from "./test-helpers";

const refused: [string, string][] = [
  ["http://hooks.example.com/in", "https"],
  ["https://user:pass@hooks.example.com/in", "credentials"],
  ["https://hooks.example.com:8443/in", "port 8443"],
  ["https://localhost/in", "local machine"],
  ["https://api.localhost/in", "local machine"],
  ["https://printer.local/in", "not a public hostname"],
  ["https://metadata.google.internal/computeMetadata/v1/", "not a public hostname"],
  ["https://intranet/in", "not a public hostname"],
  ["https://127.0.0.1/in", "loopback"],
  ["https://127.1/in", "loopback"],
  ["https://2130706433/in", "loopback"], // decimal
  ["https://0177.0.0.1/in", "loopback"], // octal
  ["https://0x7f.0.0.1/in", "loopback"], // hex
  ["https://0x7f000001/in", "loopback"],
  ["https://10.0.0.8/in", "private"],
  ["https://012.0.0.8/in", "private"], // octal 10
  ["https://172.16.5.4/in", "private"],
  ["https://172.31.255.255/in", "private"],
  ["https://192.168.1.20/in", "private"],
  ["https://0xc0.0xa8.1.1/in", "private"],
  ["https://169.254.169.254/latest/meta-data/", "link-local"],
  ["https://2852039166/latest/meta-data/", "link-local"], // 169.254.169.254 as a number
  ["https://100.100.100.200/in", "carrier-grade NAT"],
  ["https://0.0.0.0/in", "'this network'"],
  ["https://224.0.0.1/in", "multicast"],
  ["https://[::1]/in", "loopback"],
  ["https://[::]/in", "unspecified"],
  ["https://[fe80::1]/in", "link-local"],
  ["https://[fc00::1]/in", "unique local"],
  ["https://[fd00:ec2::254]/in", "unique local"],
  ["https://[::ffff:127.0.0.1]/in", "loopback"],
  ["https://[::ffff:a9fe:a9fe]/in", "link-local"],
  ["https://[::ffff:10.1.2.3]/in", "private"],
  ["https://[64:ff9b::c0a8:101]/in", "private"],
  ["https://[ff02::1]/in", "multicast"],
  // The ranges the first guard let through (issue 11): each hides or discards what it reaches.
  ["https://[::ffff:808:808]/in", "IPv4-mapped"],
  ["https://[::ffff:0:7f00:1]/in", "IPv4-translated, loopback"],
  ["https://[2001::1]/in", "Teredo"],
  ["https://[100::1]/in", "discard-only"],
  ["https://[64:ff9b:1::a00:1]/in", "local-use NAT64"],
  ["ftp://hooks.example.com/in", "https"],
  ["not a url", "not an absolute URL"],
];

describe("the SSRF guard", () => {
  it.each(refused)("refuses %s (%s)", (url, reason) => {
    const verdict = checkEndpointUrl(url);
    expect(verdict.ok).toBe(false);
    expect(verdict.ok ? "" : verdict.reason).toContain(reason);
  });

  it.each(["https://hooks.example.com/in", "https://HOOKS.example.com./in?x=1", "https://8.8.8.8/in", "https://[2606:4700::1111]/in", "https://172.32.0.1/in"])(
    "accepts the public %s",
    (url) => {
      expect(checkEndpointUrl(url).ok).toBe(true);
    },
  );

  it("accepts another port only when it is allowed", () => {
    expect(checkEndpointUrl("https://hooks.example.com:8443/in", { allowedPorts: [8443] }).ok).toBe(true);
    expect(checkEndpointUrl("https://hooks.example.com:443/in").ok).toBe(true); // the default port, spelt out
  });

  it("accepts http://127.0.0.1:<port> only with the dev switch, and nothing else local with it", () => {
    expect(checkEndpointUrl("http://127.0.0.1:8789/webhooks/a").ok).toBe(false);
    expect(checkEndpointUrl("http://127.0.0.1:8789/webhooks/a", { allowLocalHttp: true }).ok).toBe(true);
    for (const url of ["http://localhost:8789/a", "http://10.0.0.1:8789/a", "http://127.0.0.1/a", "https://127.0.0.1:8789/a"]) {
      expect(checkEndpointUrl(url, { allowLocalHttp: true }).ok, url).toBe(false);
    }
  });
});

describe("creating an endpoint the guard refuses", () => {
  it.each(refused)("answers 422 problem+json naming the url for %s", async (url, reason) => {
    const res = await admin("POST", "/admin/webhooks/endpoints", { url });
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.body).toMatchObject({ type: "/problems/validation-failed", status: 422, errors: [{ path: "url", message: expect.stringContaining(reason) }] });
  });

  it("stores nothing when refused, and refuses the same URL on update", async () => {
    const before = (await admin("GET", "/admin/webhooks/endpoints")).body.endpoints.length;
    await admin("POST", "/admin/webhooks/endpoints", { url: "https://169.254.169.254/" });
    expect((await admin("GET", "/admin/webhooks/endpoints")).body.endpoints).toHaveLength(before);

    const created = await admin("POST", "/admin/webhooks/endpoints", { url: "https://hooks.example.com/in" });
    const patched = await admin("PATCH", `/admin/webhooks/endpoints/${created.body.id}`, { url: "https://[::1]/in" });
    expect(patched.status).toBe(422);
    expect((await admin("GET", `/admin/webhooks/endpoints/${created.body.id}`)).body.url).toBe("https://hooks.example.com/in");
    await admin("DELETE", `/admin/webhooks/endpoints/${created.body.id}`);
  });
});
