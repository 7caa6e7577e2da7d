import { describe, expect, it } from "vitest";
import { admin, deliver, orderStory } from "./test-helpers";

const statusCounts = async () => {
  const res = await admin("/admin/reports/flow?minutes=10");
  expect(res.status).toBe(200);
  return { ...res.json, byStatus: Object.fromEntries(res.json.statuses.map((s: { status: string; orders: number }) => [s.status, s.orders])) };
};

describe("GET /admin/reports/flow", () => {
  it("counts the last minutes' orders by status and per minute, with stage times", async () => {
    const before = await statusCounts();
    const now = Date.now();
    const shipped = orderStory({ placedAt: new Date(now - 2 * 60_000), billedAfterMs: 1_000, readyAfterMs: 3_000 });
    const waiting = orderStory({ placedAt: new Date(now - 60_000), billedAfterMs: 2_000, readyAfterMs: null });
    const old = orderStory({ placedAt: new Date(now - 3 * 3_600_000), billedAfterMs: 1_000, readyAfterMs: 1_000 });
    await deliver([shipped, waiting, old].flatMap((story) => story.events));

    const after = await statusCounts();
    expect(after.minutes).toBe(10);
    expect(after.perMinute).toHaveLength(10);
    // The order placed three hours ago is outside the window.
    expect(after.byStatus.ready_to_ship - before.byStatus.ready_to_ship).toBe(1);
    expect(after.byStatus.billed - before.byStatus.billed).toBe(1);
    const sum = (summary: typeof after, key: "placed" | "readyToShip") => summary.perMinute.reduce((n: number, m: Record<string, number>) => n + m[key]!, 0);
    expect(sum(after, "placed") - sum(before, "placed")).toBe(2);
    expect(sum(after, "readyToShip") - sum(before, "readyToShip")).toBe(1);
    const minuteOf = (ms: number) => new Date(ms).toISOString().slice(0, 16);
    expect(after.perMinute.find((m: { minute: string }) => m.minute === minuteOf(now - 60_000)).placed).toBeGreaterThanOrEqual(1);
    expect(after.stages.map((s: { stage: string }) => s.stage)).toEqual(["billed_to_ready_to_ship", "placed_to_billed", "placed_to_ready_to_ship"]);
  });

  it("refuses a window over a day, and callers without the token", async () => {
    expect((await admin("/admin/reports/flow?minutes=1441")).status).toBe(422);
    expect((await admin("/admin/reports/flow", {}, "wrong")).status).toBe(401);
  });
});
