import { afterAll, beforeAll, expect, it } from "vitest";
import { placeOrderBody } from "./fixtures/orders";
import { startStack, waitFor, type Stack } from "./stack";

// Publishers send the integrations queue only what a customer notice or a webhook endpoint
// needs; the endpoint here takes labels only, so the order's other facts never reach it.
let stack: Stack;
let endpointId: string;
const receiverPath = "/e2e-labels";
const TTL_SECONDS = 1;

beforeAll(async () => {
  stack = await startStack({ webhookSubscriptionsTtlSeconds: TTL_SECONDS });
  const created = await stack.admin("POST", "/admin/webhooks/endpoints", {
    url: `${stack.sandboxUrl}/webhooks${receiverPath}`,
    description: "carrier desk",
    eventTypes: ["shipping_label.created.v1"],
  });
  expect(created.status).toBe(201);
  endpointId = created.body.id;
});
afterAll(() => stack?.close());

it("sends integrations no event of a type nobody takes, and still every event an endpoint takes", async () => {
  const reply = await stack.placeOrder(placeOrderBody());
  const id = reply.body.id as string;
  await stack.waitForStatus(id, "ready_to_ship");

  const hooks = await waitFor(async () => {
    const received = (await stack.providerRequests("webhooks")).filter((r) => r.path === receiverPath && r.body.includes(id));
    return received.length > 0 ? received : undefined;
  });
  const queues = await waitFor(async () => {
    const audit = await stack.audit();
    const integrations = audit.find((q) => q.queue === "integrations");
    const notices = (await stack.admin("GET", `/admin/notifications/${id}`)).body.notifications as { status: string }[];
    return integrations?.missing.length === 0 && notices.length === 4 && notices.every((n) => n.status === "sent") ? audit : undefined;
  });
  // The billed snapshot (confirmation), the ready_to_ship snapshot (shipping notice) and the label
  // (the endpoint's type); not order.placed, order.billed or the placed snapshot.
  expect(queues.find((q) => q.queue === "integrations")?.published).toBe(3);
  expect(hooks.map((r) => JSON.parse(r.body).type)).toEqual(["shipping_label.created.v1"]);
  const perOrder = queues.reduce((sum, q) => sum + q.published, 0);
  console.log(`queue messages published for one order (one endpoint taking labels): ${perOrder}`);
  expect(perOrder).toBe(10);
});

it("starts sending a type to integrations within the TTL once an endpoint takes it", async () => {
  const patched = await stack.admin("PATCH", `/admin/webhooks/endpoints/${endpointId}`, { eventTypes: ["shipping_label.created.v1", "order.placed.v1"] });
  expect(patched.status).toBe(200);
  await new Promise((resolve) => setTimeout(resolve, TTL_SECONDS * 1000 + 200));
  const reply = await stack.placeOrder(placeOrderBody());
  const id = reply.body.id as string;
  const hooks = await waitFor(async () => {
    const types = (await stack.providerRequests("webhooks")).filter((r) => r.path === receiverPath && r.body.includes(id)).map((r) => JSON.parse(r.body).type as string);
    return types.length >= 2 ? types : undefined;
  });
  expect(hooks.sort()).toEqual(["order.placed.v1", "shipping_label.created.v1"]);
});
