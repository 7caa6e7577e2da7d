import { beforeAll, describe, expect, it } from "vitest";
import { placeOrderBody } from "../../../test/fixtures/orders";
import { ADMIN, call, seedProduct } from "../test-helpers";

const ORIGIN = "https://shop.example.com";
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const formHeaders = (extra: Record<string, string> = {}) => ({ "content-type": "application/x-www-form-urlencoded", origin: ORIGIN, ...extra });

async function signIn(): Promise<string> {
  const res = await call("POST", "/console/sign-in", form({ token: "test-admin-token" }), formHeaders());
  expect(res.status).toBe(303);
  return res.headers.get("set-cookie")!.split(";")[0]!;
}
const csrfIn = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)![1]!;

beforeAll(async () => {
  await seedProduct("MUG-001", 1500);
});

describe("the console's session", () => {
  it("sends a signed-out visitor to the sign-in form", async () => {
    const res = await call("GET", "/console/flow");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/console/sign-in");
    expect((await call("GET", "/console/sign-in")).text).toContain('<input id="token" name="token" type="password"');
  });

  it("keeps the admin token in a Secure, HttpOnly, SameSite=Strict cookie for /console only", async () => {
    const res = await call("POST", "/console/sign-in", form({ token: "test-admin-token" }), formHeaders());
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/console/flow");
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^choreo_console=[^;]+%3Atest-admin-token;/);
    expect(cookie.split(/;\s*/).slice(1).sort()).toEqual(["HttpOnly", "Max-Age=28800", "Path=/console", "SameSite=Strict", "Secure"]);
  });

  it("says so clearly when the token is wrong, and sets no cookie", async () => {
    const res = await call("POST", "/console/sign-in", form({ token: "guess" }), formHeaders());
    expect(res.status).toBe(401);
    expect(res.text).toContain("That is not the admin token.");
    expect(res.headers.get("set-cookie")).toBeNull();
    expect((await call("POST", "/console/sign-in", form({ token: "" }), formHeaders())).text).toContain("enter the admin token");
  });

  it("refuses a sign-in posted from another site", async () => {
    const res = await call("POST", "/console/sign-in", form({ token: "test-admin-token" }), formHeaders({ origin: "https://evil.example" }));
    expect(res.status).toBe(403);
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("ends the session on sign-out", async () => {
    const cookie = await signIn();
    const page = await call("GET", "/console/flow", undefined, { cookie });
    const res = await call("POST", "/console/sign-out", form({ csrf: csrfIn(page.text) }), formHeaders({ cookie }));
    expect(res.status).toBe(303);
    expect(res.headers.get("set-cookie")).toMatch(/^choreo_console=;.*Max-Age=0/);
  });
});

describe("an order's console page", () => {
  let cookie: string;
  let orderId: string;
  beforeAll(async () => {
    cookie = await signIn();
    orderId = (await call("POST", "/orders", placeOrderBody())).json.id;
  });

  it("shows the order the admin API answers, with its timeline, and serves its live part alone", async () => {
    const page = await call("GET", `/console/orders/${orderId}`, undefined, { cookie });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.text).toContain(`<title>Order ${orderId} · choreo console</title>`);
    expect(page.text).toMatch(/<li data-status="placed">.*order\.placed\.v1.*\/sales/);
    expect(page.text).toContain(`data-live="/console/orders/${orderId}?live=1"`);
    const live = await call("GET", `/console/orders/${orderId}?live=1`, undefined, { cookie });
    expect(live.text).not.toContain("<html");
    expect(live.text).toContain('data-status="placed"');
  });

  it("refuses a cancel without the session's CSRF token, or from another origin, and changes nothing", async () => {
    const page = await call("GET", `/console/orders/${orderId}`, undefined, { cookie });
    const csrf = csrfIn(page.text);
    const forged = await call("POST", `/console/orders/${orderId}/cancel`, form({ csrf: "x".repeat(43) }), formHeaders({ cookie }));
    expect(forged.status).toBe(403);
    const elsewhere = await call("POST", `/console/orders/${orderId}/cancel`, form({ csrf }), formHeaders({ cookie, origin: "https://evil.example" }));
    expect(elsewhere.status).toBe(403);
    const otherSession = await call("POST", `/console/orders/${orderId}/cancel`, form({ csrf }), formHeaders({ cookie: await signIn() }));
    expect(otherSession.status).toBe(403);
    expect((await call("GET", `/orders/${orderId}`, undefined, ADMIN)).json.status).toBe("placed");
  });

  it("cancels through the admin API with the session's token and shows the outcome", async () => {
    const page = await call("GET", `/console/orders/${orderId}`, undefined, { cookie });
    const res = await call("POST", `/console/orders/${orderId}/cancel`, form({ csrf: csrfIn(page.text) }), formHeaders({ cookie }));
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/console/orders/${orderId}`);
    expect((await call("GET", `/orders/${orderId}`, undefined, ADMIN)).json.status).toBe("cancelled");
    const flash = res.headers.get("set-cookie")!.split(";")[0]!;
    const after = await call("GET", `/console/orders/${orderId}`, undefined, { cookie: `${cookie}; ${flash}` });
    expect(after.text).toContain("Order cancelled.");
    expect(after.text).toContain('data-status="cancelled"');
    expect(after.text).not.toContain("Cancel order</button>");
  });

  it("signs out a session whose token the admin API no longer takes", async () => {
    const res = await call("GET", "/console/flow", undefined, { cookie: "choreo_console=abc%3Aold-token" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/console/sign-in");
  });
});
