import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { billedEvent, labelEvent, placedEvent } from "../../test/fixtures/orders";
import type { DeadLetter } from "../contracts/dead-letter";
import { consumeBatch, MAX_RETRIES, type EventHandlers } from "./consumer";
import { done, reject, retry } from "./outcome";

function deadLetterQueue(fail = false) {
  const sent: DeadLetter[] = [];
  const queue = {
    send: vi.fn(async (body: DeadLetter) => {
      if (fail) throw new Error("queue unavailable");
      sent.push(body);
    }),
  };
  return { queue: queue as unknown as Queue, sent };
}

async function run(bodies: unknown[], handlers: EventHandlers, dlq = deadLetterQueue(), attempts = 3) {
  const batch = createMessageBatch<unknown>(
    "sales",
    bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts, body })),
  );
  // The test batch does not keep retry options, so record them on the way through.
  const delays: Record<string, number | undefined> = {};
  for (const message of batch.messages) {
    const original = message.retry.bind(message);
    message.retry = (options?: QueueRetryOptions) => {
      delays[message.id] = options?.delaySeconds;
      original(options);
    };
  }
  const ctx = createExecutionContext();
  const summary = await consumeBatch(batch, { handlers, deadLetters: dlq.queue, backoff: { random: () => 0.5 } });
  return { summary, result: await getQueueResult(batch, ctx), dead: dlq.sent, delays };
}

describe("consumeBatch", () => {
  const placed = placedEvent();
  const billed = billedEvent(placed.subject, placed);
  const label = labelEvent(placed.subject, billed);

  it("acks, retries and dead-letters each message on its own", async () => {
    const { result, dead, summary, delays } = await run(
      [billed, label, { nonsense: true }],
      {
        "order.billed.v1": async () => done(),
        "shipping_label.created.v1": async () => retry("carrier busy", 30),
      },
    );
    expect(result.explicitAcks.sort()).toEqual(["m0", "m2"]);
    expect(result.retryMessages).toEqual([{ msgId: "m1" }]);
    expect(delays).toEqual({ m1: 30 });
    expect(result.retryBatch.retry).toBe(false);
    expect(summary).toEqual({ acked: 1, retried: 1, deadLettered: 1 });
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ kind: "dead_letter", queue: "sales", reason: "invalid_envelope", attempts: 3, body: { nonsense: true } });
  });

  it("retries a handler that throws with exponential backoff", async () => {
    const { result, delays } = await run([billed], {
      "order.billed.v1": async () => {
        throw new Error("object overloaded");
      },
    });
    // attempts 3 → window 8 s, random 0.5 → 4 + 2 = 6 s
    expect(result.retryMessages).toEqual([{ msgId: "m0" }]);
    expect(delays).toEqual({ m0: 6 });
  });

  it("dead-letters at once what can never succeed: unknown type, no handler, rejection", async () => {
    const { result, dead } = await run([{ ...billed, type: "order.vanished.v1" }, placed, label], {
      "order.billed.v1": async () => done(),
      "shipping_label.created.v1": async () => reject("order does not exist"),
    });
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks.sort()).toEqual(["m0", "m1", "m2"]);
    expect(dead.map((d) => d.reason).sort()).toEqual(["rejected", "unknown_type", "unsubscribed_type"]);
    expect(dead.find((d) => d.reason === "rejected")?.error).toBe("order does not exist");
  });

  it("parks a message that fails its last delivery, keeping the error", async () => {
    const failing = { "order.billed.v1": async () => retry("Stripe answered 500") };
    const beforeLast = await run([billed], failing, deadLetterQueue(), MAX_RETRIES);
    expect(beforeLast.result.retryMessages).toHaveLength(1);
    const last = await run([billed], failing, deadLetterQueue(), MAX_RETRIES + 1);
    expect(last.result.retryMessages).toEqual([]);
    expect(last.dead).toEqual([expect.objectContaining({ reason: "retries_exhausted", error: "Stripe answered 500", attempts: MAX_RETRIES + 1 })]);
  });

  it("keeps a message on its queue when the dead-letter queue cannot take it", async () => {
    const { result } = await run([{ broken: 1 }], {}, deadLetterQueue(true));
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages).toHaveLength(1);
  });

  it("hands the handler the validated event and the delivery attempt", async () => {
    const seen = vi.fn(async () => done());
    await run([JSON.parse(JSON.stringify(billed))], { "order.billed.v1": seen });
    expect(seen).toHaveBeenCalledWith(expect.objectContaining({ id: billed.id, data: billed.data }), { attempts: 3, messageId: "m0" });
  });
});
