import { DuckDBInstance } from "@duckdb/node-api";
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ORDER_FLOWS } from "../src/contracts/topology";
import { ada, placeOrderBody, springfield } from "./fixtures/orders";
import { ADMIN_TOKEN, ROOT, startStack, waitFor, type Stack } from "./stack";

const run = promisify(execFile);

describe.each(ORDER_FLOWS)("the projections, fed by the real order workflow (%s)", (flow) => {
  let stack: Stack;
  let ids: string[];
  let totals: number[];
  /** The UTC day the orders were placed on (not "today": a run may cross midnight). */
  let placedDay: string;
  const exportDir = mkdtempSync(path.join(tmpdir(), "choreo-lake-"));

  /** Runs one of the npm scripts against the test stack, as `npm run <script>` would against dev. */
  const script = (name: string, ...args: string[]) =>
    run(process.execPath, [path.join("scripts", name), ...args], { cwd: ROOT, env: { ...process.env, CHOREO_URL: stack.appUrl, ADMIN_TOKEN } });

  const reporting = async () => (await stack.app.getWorker<ProjectionsEnv>("projections").getEnv()).REPORTING;
  const readModel = async () => {
    const db = await reporting();
    const all = async (sql: string) => (await db.prepare(sql).all()).results;
    return { orders: await all("SELECT * FROM orders ORDER BY order_id") };
  };

  beforeAll(async () => {
    stack = await startStack({ flow });
    const replies = await Promise.all([
      stack.placeOrder(placeOrderBody()),
      stack.placeOrder(placeOrderBody({ items: [{ sku: "TEE-001", quantity: 3 }, { sku: "BOOK-001", quantity: 1 }] })),
      stack.placeOrder(placeOrderBody({ customer: { name: "Grace Hopper", email: "grace@example.com" } })),
    ]);
    ids = replies.map((reply) => reply.body.id as string);
    totals = replies.map((reply) => reply.body.total as number);
    placedDay = (replies.map((reply) => reply.body.placedAt as string).sort().at(-1) ?? "").slice(0, 10);
    await Promise.all(ids.map((id) => stack.waitForStatus(id, "ready_to_ship")));
    // Every event the projections take of the three orders: their 3 × 3 status snapshots.
    await waitFor(async () => {
      const { n } = (await (await reporting()).prepare("SELECT sum(json_array_length(lake_event_ids)) AS n FROM orders").first<{ n: number }>())!;
      return n === 9 ? n : undefined;
    }, 60_000, () => "all 9 snapshots projected");
  });
  afterAll(async () => {
    await stack?.close();
    rmSync(exportDir, { recursive: true, force: true });
  });

  it("report the orders through the Sales edge", async () => {
    const { status, body } = await stack.admin("GET", "/admin/reports/orders");
    expect(status).toBe(200);
    expect(body.orders.map((order: { orderId: string }) => order.orderId).sort()).toEqual([...ids].sort());
    for (const order of body.orders) expect(order).toMatchObject({ status: "ready_to_ship", version: 3, billedAmount: order.total });

    const days = (await stack.admin("GET", `/admin/reports/sales-per-day?to=${placedDay}`)).body.days;
    expect(days.reduce((sum: number, day: { orders: number }) => sum + day.orders, 0)).toBe(3);
    expect(days.reduce((sum: number, day: { revenue: number }) => sum + day.revenue, 0)).toBe(totals.reduce((a, b) => a + b, 0));
    const skus = (await stack.admin("GET", `/admin/reports/top-skus?to=${placedDay}`)).body.skus;
    expect(skus.find((s: { sku: string }) => s.sku === "MUG-001")).toMatchObject({ units: 4, orders: 2 });
    const latency = (await stack.admin("GET", `/admin/reports/stage-latency?to=${placedDay}`)).body.days;
    expect(latency.filter((row: { stage: string }) => row.stage === "placed_to_ready_to_ship").reduce((n: number, row: { orders: number }) => n + row.orders, 0)).toBe(3);
  });

  it("serve each order's status, timeline included, from the read model", async () => {
    for (const id of ids) {
      const res = await stack.app.fetch(`/orders/${id}/status`);
      expect(res.headers.get("x-status-source")).toBe("cache");
      const view = (await res.json()) as { timeline: { status: string }[] };
      expect(view).toMatchObject({ id, status: "ready_to_ship", version: 3 });
      expect(view.timeline.map((step) => step.status)).toEqual(["placed", "billed", "ready_to_ship"]);
    }
  });

  it("export a lake DuckDB reads with hive partitioning, with no PII in it", async () => {
    const { stdout } = await script("lake-export.mjs", "--out", exportDir);
    expect(stdout).toContain("read_json(");
    const duck = await (await DuckDBInstance.create(":memory:")).connect();
    const rows = async (sql: string) => (await duck.runAndReadAll(sql)).getRowObjectsJson();
    // union_by_name: every type has its own `data` shape; without it DuckDB keeps only the shapes of the first files it samples.
    const lake = `read_json('${exportDir}/events/**/*.ndjson.gz', hive_partitioning = true, union_by_name = true)`;
    expect(await rows(`SELECT type, count(*)::INTEGER AS events FROM ${lake} GROUP BY type ORDER BY type`)).toEqual([
      { type: "order.status_changed.v1", events: 9 },
    ]);
    expect(await rows(`SELECT DISTINCT strftime(date, '%Y-%m-%d') AS day FROM ${lake}`)).toContainEqual({ day: placedDay });
    // Ada placed two orders: the same keyed hash in both, so analysts can count her without seeing her.
    expect(await rows(`SELECT count(DISTINCT data.order.customer.email)::INTEGER AS customers FROM ${lake}`)).toEqual([{ customers: 2 }]);

    const files = readdirSync(exportDir, { recursive: true }).map(String).filter((file) => file.endsWith(".ndjson.gz"));
    const text = files.map((file) => gunzipSync(readFileSync(path.join(exportDir, file))).toString()).join("");
    for (const pii of [ada.email, ada.name, ada.phone, springfield.line1, "grace@example.com", "Grace Hopper"]) expect(text).not.toContain(pii);

    const again = await script("lake-export.mjs", "--out", exportDir);
    expect(again.stdout).toMatch(/0 objects copied, \d+ already there/);
  });

  it("rebuild from the lake to exactly the rows of the live projection", async () => {
    const live = await readModel();
    expect(live.orders).toHaveLength(3);
    const db = await reporting();
    await db.batch([db.prepare("DELETE FROM orders WHERE order_id = ?").bind(ids[0]), db.prepare("UPDATE orders SET status = 'placed' WHERE order_id = ?").bind(ids[1])]);
    expect(await readModel()).not.toEqual(live);

    const { stdout } = await script("reporting-rebuild.mjs");
    expect(stdout).toMatch(/rebuilt from the lake .*: 9 events/);
    expect(await readModel()).toEqual(live);
  });
});
