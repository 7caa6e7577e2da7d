import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { placeOrderBody } from "./fixtures/orders";
import { startStack, waitFor, type Stack } from "./stack";

// The watchdog: an order waiting longer than STUCK_AFTER_SECONDS in a stage is reported, and
// leaves the list when it moves on. Slow by nature (it waits for a deadline and an alarm).
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ stuckAfterSeconds: { placed: 2, billed: 600 } });
});
afterAll(() => stack?.close());

describe("stuck-order watchdog", () => {
  it("reports an order waiting too long in a stage, and withdraws it when it moves on", async () => {
    await stack.setFault({ provider: "stripe", mode: "down" });
    const { body } = await stack.placeOrder(placeOrderBody());
    const stuck = await waitFor(async () => {
      const { body: list } = await stack.admin("GET", "/admin/orders/stuck");
      return list.orders.find((o: { orderId: string }) => o.orderId === body.id);
    });
    expect(stuck).toMatchObject({ orderId: body.id, status: "placed" });

    await stack.setFault({ provider: "stripe", mode: "ok" });
    await stack.waitForStatus(body.id, "ready_to_ship", 60_000);
    const { body: after } = await stack.admin("GET", "/admin/orders/stuck");
    expect(after.orders.map((o: { orderId: string }) => o.orderId)).not.toContain(body.id);
  });
});
