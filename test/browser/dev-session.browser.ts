import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { placeOrderBody } from "../fixtures/orders";
import { waitFor } from "../fixtures/wait";
import { startDev, type DevServer } from "./dev-server";

// `npm run dev` as a developer edits code: the session bundles each worker itself and rebuilds,
// on an edit, the workers whose bundle read the edited file (scripts/dev-build.mjs).

const ROOT = path.resolve(import.meta.dirname, "../..");
let dev: DevServer;

beforeAll(async () => {
  dev = await startDev();
});
afterAll(async () => {
  await dev?.stop();
});

/** Waits for `probe`, showing the session's last output if it never comes. */
const until = <T>(what: string, probe: () => Promise<T | undefined>) => waitFor(probe, 60_000, () => `${what}; the session said:\n${dev.output().slice(-3000)}`);

async function orderReadyToShip(): Promise<void> {
  const placed = await fetch(`${dev.url}/orders`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(placeOrderBody()) });
  expect(placed.status).toBe(202);
  const { id } = (await placed.json()) as { id: string };
  await until(`order ${id} ready_to_ship`, async () => ((await (await fetch(`${dev.url}/orders/${id}`)).json()) as { status: string }).status === "ready_to_ship" || undefined);
}

describe("npm run dev", () => {
  it("rebuilds only the workers that read an edited file, reloads them, and keeps serving orders", async () => {
    await orderReadyToShip();
    const edited = path.join(ROOT, "workers/billing/invoicing.ts");
    const before = dev.output().length;
    // The same text written again: an edit as the file watcher sees it, with nothing changed.
    writeFileSync(edited, readFileSync(edited, "utf8"));
    const rebuilt = await until("a rebuild", async () => /\[dev\] rebuilt ([a-z, -]+) in \d+ ms/.exec(dev.output().slice(before))?.[1]);
    // Billing's decisions are read by Billing and by the order workflow, by nothing else.
    expect(rebuilt.split(", ").sort()).toEqual(["billing", "order-flow"]);
    await until("the reload", async () => (/Local server updated and ready/.test(dev.output().slice(before)) ? true : undefined));
    await orderReadyToShip();
  });
});
