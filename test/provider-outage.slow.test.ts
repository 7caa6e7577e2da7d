import { afterAll, beforeAll, expect, it } from "vitest";
import { integrationsProbe } from "./fixtures/integrations";
import { placeOrderBody } from "./fixtures/orders";
import { startStack, waitFor, type Stack } from "./stack";

// A provider outage delays only its own channel: with SES down, texts and webhooks go out on
// time and the emails follow, once each, when SES is back. Slow by nature (it waits out retries).
let stack: Stack;
const receiverPath = "/e2e-erp-outage";

beforeAll(async () => {
  stack = await startStack();
  const created = await stack.admin("POST", "/admin/webhooks/endpoints", { url: `${stack.sandboxUrl}/webhooks${receiverPath}`, description: "ERP" });
  expect(created.status).toBe(201);
});
afterAll(() => stack?.close());

const { sesFor, webhooksFor, notificationLog, line, notificationReaches } = integrationsProbe(() => stack, receiverPath);

it("delays only email while SES is down, and delivers the backlog exactly once when it is back", async () => {
  await stack.setFault({ provider: "ses", mode: "down" });
  let id: string;
  try {
    const reply = await stack.placeOrder(placeOrderBody());
    id = reply.body.id as string;
    await stack.waitForStatus(id, "ready_to_ship");
    // The other channels are on time: both texts and the webhooks arrive while SES is down.
    await notificationReaches(id, "sms", "order_confirmation", "sent");
    await notificationReaches(id, "sms", "shipping_notice", "sent");
    await waitFor(async () => ((await webhooksFor(id)).length >= 6 ? true : undefined));
    await waitFor(async () => ((await sesFor(id)).filter((r) => r.outcome === "fault:down").length >= 2 ? true : undefined));
    const email = line(await notificationLog(id), "email", "order_confirmation");
    expect(email).toMatchObject({ status: "retrying", lastError: { message: expect.stringContaining("503") } });
    expect((await sesFor(id)).filter((r) => r.outcome === "sent")).toEqual([]);
  } finally {
    await stack.setFault({ provider: "ses", mode: "ok" });
  }
  await notificationReaches(id, "email", "order_confirmation", "sent", 60_000);
  await notificationReaches(id, "email", "shipping_notice", "sent", 60_000);
  const sent = (await sesFor(id)).filter((r) => r.outcome === "sent");
  expect(sent.map((r) => JSON.parse(r.body).Content.Simple.Subject.Data).sort()).toEqual([`choreo: order ${id} confirmed`, `choreo: order ${id} is on its way`]);
});
