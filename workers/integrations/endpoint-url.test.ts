import { describe, expect, it } from "vitest";
import { checkEndpointUrl } from "./endpoint-url";
import { sandboxClient } from "../../test/fixtures/sandbox";
import { admin, sandbox } from "./test-helpers";

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

// Names resolve through the sandbox's DNS over HTTPS (DOH_URL), each test with names of its own; endpoints
// take only stock.unavailable.v1, which no other test fans out, so no event is sent out to a public name.
describe("a host name that resolves to a private address", () => {
  const dns = sandboxClient(sandbox).dns;
  const name = (label: string) => `${label}-${crypto.randomUUID().slice(0, 8)}.example.com`;

  it.each([
    [{ A: ["10.0.0.1"] }, "resolves to 10.0.0.1, not a public address (private)"],
    [{ A: ["93.184.215.14"], AAAA: ["fd00:ec2::254"] }, "resolves to fd00:ec2::254, not a public address (unique local"],
    [{ A: ["169.254.169.254"] }, "link-local"],
    [{ status: "NXDOMAIN" as const }, "does not resolve to any address"],
  ])("is refused at subscribe with 422 naming the url (%j)", async (answers, reason) => {
    const host = name("internal");
    await dns({ name: host, ...answers });
    const res = await admin("POST", "/admin/webhooks/endpoints", { url: `https://${host}/in` });
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.body).toMatchObject({ type: "/problems/validation-failed", errors: [{ path: "url", message: expect.stringContaining(reason) }] });
  });

  it("is refused on update too, and a public one is accepted", async () => {
    const [internal, external] = [name("internal"), name("erp")];
    await dns({ name: internal, A: ["192.168.1.20"] });
    await dns({ name: external, A: ["93.184.215.14"], AAAA: ["2606:2800:21f:cb07:6820:80da:af6b:8b2c"] });
    const created = await admin("POST", "/admin/webhooks/endpoints", { url: `https://${external}/in`, eventTypes: ["stock.unavailable.v1"] });
    expect(created.status).toBe(201);
    const patched = await admin("PATCH", `/admin/webhooks/endpoints/${created.body.id}`, { url: `https://${internal}/in` });
    expect(patched.status).toBe(422);
    expect(patched.body.errors[0]).toMatchObject({ path: "url", message: expect.stringContaining("192.168.1.20") });
    await admin("DELETE", `/admin/webhooks/endpoints/${created.body.id}`);
  });

  it("answers 503 when the resolver cannot say, and stores nothing", async () => {
    const host = name("flaky");
    await dns({ name: host, status: "SERVFAIL" });
    const before = (await admin("GET", "/admin/webhooks/endpoints")).body.endpoints.length;
    const res = await admin("POST", "/admin/webhooks/endpoints", { url: `https://${host}/in` });
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ type: "/problems/resolver-unavailable", detail: expect.stringContaining(`could not resolve ${host}`) });
    expect((await admin("GET", "/admin/webhooks/endpoints")).body.endpoints).toHaveLength(before);
  });

  it("fails the attempt without sending when the name points inside after subscribing (DNS rebinding)", async () => {
    const host = name("rebind");
    await dns({ name: host, A: ["93.184.215.14"], ttl: 0 });
    const created = await admin("POST", "/admin/webhooks/endpoints", { url: `https://${host}/in`, eventTypes: ["stock.unavailable.v1"] });
    expect(created.status).toBe(201);
    await dns({ name: host, A: ["127.0.0.1"], ttl: 0 });

    const test = await admin("POST", `/admin/webhooks/endpoints/${created.body.id}/test`);
    expect(test.body).toMatchObject({ status: "failed", lastError: expect.stringContaining(`URL refused: ${host} resolves to 127.0.0.1`) });
    expect(test.body.attempts).toEqual([expect.objectContaining({ attempt: 1, latencyMs: 0, error: expect.stringContaining("not a public address (loopback)") })]);
    expect(test.body.attempts[0].statusCode).toBeUndefined();
    await admin("DELETE", `/admin/webhooks/endpoints/${created.body.id}`);
  });
});
