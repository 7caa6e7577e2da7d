import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ORDER_FLOWS } from "../src/contracts/topology";
import { formatTable, OUTAGES, runOutage } from "../scripts/outage-scenario";
import { placeOrderBody } from "./fixtures/orders";
import { startStack, waitFor, type Stack } from "./stack";

// The article's fourth example: with a broker between services, a service that is down
// delays its part of the workflow and nothing fails. Each service (or the provider it calls)
// is stopped in turn, in both flows.
describe.each(ORDER_FLOWS)("temporal decoupling (%s)", (flow) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ flow });
  });
  afterAll(() => stack?.close());

  it("accepts every order while a part is down, and completes them all when it is back", async () => {
    const rows = await runOutage(
      {
        placeOrder: async (body) => {
          const reply = await stack.placeOrder(body);
          return { status: reply.status, id: reply.body.id };
        },
        statusOf: async (id) => (await stack.order(id)).status,
        setConsumer: (queue, mode) => stack.setConsumer(queue, { mode }),
        setProvider: (provider, mode) => stack.setFault({ provider, mode }),
      },
      placeOrderBody(),
      { outages: OUTAGES[flow], perService: 4, outageSeconds: 4 },
    );
    console.log(`\n${flow}\n${formatTable(rows)}\n`);
    const done = { accepted: 4, after: { ready_to_ship: 4 } };
    if (flow === "choreography") {
      const [billing, warehouse, sales, stripe] = rows;
      // Billing stopped: orders are accepted and wait as placed (nobody charged them).
      expect(billing).toMatchObject({ ...done, during: { placed: 4 } });
      // Warehouse stopped: orders get charged, then wait as billed for allocation and label.
      expect(warehouse).toMatchObject({ ...done, during: { billed: 4 } });
      // Sales' consumer stopped: Billing and Warehouse finish their parts; Sales catches up.
      expect(sales).toMatchObject({ ...done, during: { placed: 4 } });
      // Stripe down: Billing retries each charge until it answers.
      expect(stripe).toMatchObject({ ...done, during: { placed: 4 } });
    } else {
      const [starter, stripe, carrier] = rows;
      // Nothing starts the workflows: orders wait as placed, then run.
      expect(starter).toMatchObject({ ...done, during: { placed: 4 } });
      // Stripe down: each workflow's charge step retries, backing off, until it answers.
      expect(stripe).toMatchObject({ ...done, during: { placed: 4 } });
      // The carrier down: orders are charged, then wait as billed for their labels.
      expect(carrier).toMatchObject({ ...done, during: { billed: 4 } });
    }
    const intents = await stack.providerObjects("payment_intent");
    expect(intents.filter((intent) => intent.status === "succeeded")).toHaveLength(rows.length * 4);
    // Nothing lost on any queue: every event published during the outages is handled, the observers' too.
    const audit = await waitFor(async () => {
      const queues = await stack.audit();
      return queues.every((queue) => queue.missing.length === 0) ? queues : undefined;
    }, 30_000, () => "every queue to handle what was published");
    expect(audit.map((queue) => queue.queue)).toEqual(expect.arrayContaining(flow === "choreography" ? ["billing", "warehouse", "sales"] : ["order-flow"]));
  });
});
