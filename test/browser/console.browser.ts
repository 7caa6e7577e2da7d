import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { createRequire } from "node:module";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { placeOrderBody } from "../fixtures/orders";
import { sandboxClient } from "../fixtures/sandbox";
import { startDev, type DevServer } from "./dev-server";

// The operations console as an operator uses it: in headless Chromium (Debian's package),
// against `npm run dev`. Every wait is on what the page shows after its live update; the
// pages are never reloaded to see a change. The two screenshots are the README's.

const IMAGES = path.resolve(import.meta.dirname, "../../docs/images");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SEEN = { timeout: 60_000 };
const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

let dev: DevServer;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  dev = await startDev();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
});
afterAll(async () => {
  await sandboxClient(dev?.sandboxUrl ?? "").fault({ provider: "stripe", mode: "ok" }).catch(() => {});
  await browser?.close();
  await dev?.stop();
});

async function placeOrder(): Promise<string> {
  const response = await fetch(`${dev.url}/orders`, {
    method: "POST",
    headers: { "content-type": "application/json", "idempotency-key": `browser-${crypto.randomUUID()}` },
    body: JSON.stringify(placeOrderBody()),
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { id: string }).id;
}

/** Marks the page's document, so a reload (which would drop the mark) fails the test. */
async function opened(url: string): Promise<Page> {
  const page = await context.newPage();
  page.on("dialog", (dialog) => void dialog.accept());
  await page.goto(url);
  await page.evaluate(() => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true));
  return page;
}
const stillTheSamePage = async (page: Page) => expect(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);

describe("the operations console", () => {
  it("signs in with the admin token, kept in a Secure, HttpOnly, SameSite=Strict cookie", async () => {
    const page = await context.newPage();
    await page.goto(`${dev.url}/console/flow`);
    expect(new URL(page.url()).pathname).toBe("/console/sign-in");
    await page.getByLabel("Admin token").fill("not-the-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("That is not the admin token.");

    await page.getByLabel("Admin token").fill("dev-admin-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${dev.url}/console/flow`);
    const [cookie] = await context.cookies(dev.url + "/console");
    expect(cookie).toMatchObject({ name: "choreo_console", path: "/console", secure: true, httpOnly: true, sameSite: "Strict" });
    await page.close();
  });

  it("shows an order placed through the API reach ready to ship on the Flow and Orders pages, live", async () => {
    const flow = await opened(`${dev.url}/console/flow`);
    const orders = await opened(`${dev.url}/console/orders`);
    const id = await placeOrder();

    for (const page of [flow, orders]) {
      await page.locator(`tr[data-order-id="${id}"] .status`).filter({ hasText: "ready_to_ship" }).waitFor(SEEN);
      await stillTheSamePage(page);
    }
    expect(Number(await flow.locator('td[data-stage="ready_to_ship"]').textContent())).toBeGreaterThanOrEqual(1);
    await flow.screenshot({ path: path.join(IMAGES, "console-flow.png"), fullPage: true });

    // On a phone's width nothing but the tables' own scroll areas is wider than the screen.
    await flow.setViewportSize({ width: 390, height: 844 });
    expect(await flow.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await flow.close();
    await orders.close();
  });

  it("replays a dead letter from the Dead letters page, and the order completes", async () => {
    const sandbox = sandboxClient(dev.sandboxUrl);
    await sandbox.fault({ provider: "stripe", mode: "reject" }); // e.g. a revoked API key: Billing parks the order
    const letters = await opened(`${dev.url}/console/dead-letters?queue=billing`);
    const id = await placeOrder();
    const order = await opened(`${dev.url}/console/orders/${id}`);

    const row = letters.locator(`tr[data-subject="${id}"]`);
    await row.waitFor(SEEN);
    await expect.poll(() => row.textContent()).toContain("rejected");
    await stillTheSamePage(letters);
    await order.locator("text=Replay parked steps").waitFor(SEEN);
    expect(await order.locator("#timeline li").count()).toBe(1);

    await sandbox.fault({ provider: "stripe", mode: "ok" }); // the key is fixed
    await row.getByRole("checkbox").check();
    await letters.getByRole("button", { name: "Replay selected" }).click();
    await expect.poll(() => letters.getByRole("status").textContent()).toContain("Replayed 1 letter(s)");

    await order.locator('#timeline li[data-status="ready_to_ship"]').waitFor(SEEN);
    await stillTheSamePage(order);
    expect(await order.locator("#timeline li").evaluateAll((items) => items.map((li) => li.getAttribute("data-status")))).toEqual(["placed", "billed", "ready_to_ship"]);
    await order.screenshot({ path: path.join(IMAGES, "console-order.png"), fullPage: true });

    // The reports see it complete too (and the run ends only once they have).
    const flow = await opened(`${dev.url}/console/flow`);
    await flow.locator(`tr[data-order-id="${id}"] .status`).filter({ hasText: "ready_to_ship" }).waitFor(SEEN);
  });

  it("passes the axe-core accessibility rules (WCAG 2.1 A and AA) on every page, with no serious or critical finding", async () => {
    // axe is injected as a script, which the console's CSP forbids: this context alone sets the CSP aside.
    const audit = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
    const signIn = await audit.newPage();
    await signIn.goto(`${dev.url}/console/sign-in`);
    await signIn.getByLabel("Admin token").fill("dev-admin-token");
    await signIn.getByRole("button", { name: "Sign in" }).click();
    await signIn.waitForURL(`${dev.url}/console/flow`);
    await signIn.close();
    const id = await placeOrder();
    const findings: string[] = [];
    for (const route of ["/console/sign-in", "/console/flow", "/console/orders", `/console/orders/${id}`, "/console/stuck", "/console/dead-letters", "/console/webhooks", "/console/reports"]) {
      const page = await audit.newPage();
      await page.goto(`${dev.url}${route}`);
      expect(new URL(page.url()).pathname).toBe(route);
      await page.addScriptTag({ path: AXE });
      const violations = await page.evaluate(async () => {
        const axe = (globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
        const result = await axe.run((globalThis as unknown as { document: unknown }).document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
        return result.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
      });
      for (const v of violations) if (v.impact === "serious" || v.impact === "critical") findings.push(`${route}: ${v.id} (${v.impact}) at ${v.targets.join(", ")}`);
      await page.close();
    }
    await audit.close();
    expect(findings).toEqual([]);
  });
});
