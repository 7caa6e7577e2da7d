import { afterAll, beforeAll, expect, it } from "vitest";
import { formatTable, runOutage } from "../scripts/outage-scenario";
import { placeOrderBody } from "./fixtures/orders";
import { startStack, type Stack } from "./stack";

// The article's fourth example: with a broker between services, a service that is down
// delays its part of the workflow and nothing fails. Each service is stopped in turn.
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());

it("accepts every order while a service is down, and completes them all when it is back", async () => {
  const rows = await runOutage(
    {
      placeOrder: async (body) => {
        const reply = await stack.placeOrder(body);
        return { status: reply.status, id: reply.body.id };
      },
      statusOf: async (id) => (await stack.order(id)).status,
      setConsumer: (queue, mode) => stack.setConsumer(queue, { mode }),
    },
    placeOrderBody(),
    { perService: 4, outageSeconds: 4 },
  );
  console.log(`\n${formatTable(rows)}\n`);
  const [billing, warehouse, sales] = rows;
  // Billing stopped: orders are accepted and wait as placed (nobody charged them).
  expect(billing).toMatchObject({ accepted: 4, during: { placed: 4 }, after: { ready_to_ship: 4 } });
  // Warehouse stopped: orders get charged, then wait as billed for allocation and label.
  expect(warehouse).toMatchObject({ accepted: 4, during: { billed: 4 }, after: { ready_to_ship: 4 } });
  // Sales' consumer stopped: Billing and Warehouse finish their parts; Sales catches up.
  expect(sales).toMatchObject({ accepted: 4, during: { placed: 4 }, after: { ready_to_ship: 4 } });
  const labels = await stack.providerObjects("label");
  expect(labels.length).toBeGreaterThanOrEqual(12);
  for (const queue of ["billing", "warehouse", "sales"]) {
    const audited = (await stack.audit()).find((q) => q.queue === queue)!;
    expect(audited.missing).toEqual([]);
  }
});
