import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { billedEvent, labelEvent, placedEvent } from "../../test/fixtures/orders";
import type { DeadLetter } from "../contracts/dead-letter";
import { consumeBatch, consumeWholeBatch, MAX_RETRIES, type BatchHandler, type EventHandlers } from "./consumer";
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

/** The test batch does not keep retry options, so record them on the way through. */
function recordDelays(batch: MessageBatch<unknown>): Record<string, number | undefined> {
  const delays: Record<string, number | undefined> = {};
  for (const message of batch.messages) {
    const original = message.retry.bind(message);
    message.retry = (options?: QueueRetryOptions) => {
      delays[message.id] = options?.delaySeconds;
      original(options);
    };
  }
  return delays;
}

async function run(bodies: unknown[], handlers: EventHandlers, dlq = deadLetterQueue(), attempts = 3, queue = "sales") {
  const batch = createMessageBatch<unknown>(
    queue,
    bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts, body })),
  );
  const delays = recordDelays(batch);
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

  it("names the queue itself in a dead letter, not the app-prefixed name it was deployed as", async () => {
    const { dead } = await run([{ nonsense: true }], {}, deadLetterQueue(), 3, "shop-sales");
    expect(dead[0]).toMatchObject({ kind: "dead_letter", queue: "sales", reason: "invalid_envelope" });
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

describe("consumeWholeBatch", () => {
  const placed = placedEvent();
  const billed = billedEvent(placed.subject, placed);

  async function runWhole(bodies: unknown[], handle: BatchHandler, attempts = [1, 1, 1]) {
    const dlq = deadLetterQueue();
    const batch = createMessageBatch<unknown>(
      "projections",
      bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: attempts[i] ?? 1, body })),
    );
    const delays = recordDelays(batch);
    const ctx = createExecutionContext();
    const summary = await consumeWholeBatch(batch, {
      types: ["order.placed.v1", "order.billed.v1"],
      handle,
      deadLetters: dlq.queue,
      backoff: { random: () => 0.5 },
    });
    return { summary, result: await getQueueResult(batch, ctx), dead: dlq.sent, delays };
  }

  it("hands the valid messages over together and dead-letters the others on their own", async () => {
    const handle = vi.fn<BatchHandler>(async () => done());
    const label = labelEvent(placed.subject, billed);
    const { result, dead, summary } = await runWhole([placed, { nonsense: true }, billed, label], handle);
    expect(handle).toHaveBeenCalledTimes(1);
    expect(handle.mock.calls[0]![0]).toEqual([
      { event: expect.objectContaining({ id: placed.id }), delivery: { attempts: 1, messageId: "m0" } },
      { event: expect.objectContaining({ id: billed.id }), delivery: { attempts: 1, messageId: "m2" } },
    ]);
    expect(result.explicitAcks.sort()).toEqual(["m0", "m1", "m2", "m3"]);
    expect(dead.map((d) => d.reason).sort()).toEqual(["invalid_envelope", "unsubscribed_type"]);
    expect(summary).toEqual({ acked: 2, retried: 0, deadLettered: 2 });
  });

  it("retries the whole batch when applying it fails, backing off from the most-tried message", async () => {
    const { result, delays, dead } = await runWhole([placed, billed], async () => {
      throw new Error("D1 unavailable");
    }, [1, 2]);
    expect(result.retryMessages.map((m) => m.msgId).sort()).toEqual(["m0", "m1"]);
    // attempts 2 → window 4 s, random 0.5 → 3 s, for both
    expect(delays).toEqual({ m0: 3, m1: 3 });
    expect(dead).toEqual([]);
  });

  it("finds the one message that keeps failing and acks the others, once the batch has failed often", async () => {
    const events = Array.from({ length: 16 }, () => placedEvent());
    const poison = events[11]!.id;
    const handle = vi.fn<BatchHandler>(async (batch) => (batch.some(({ event }) => event.id === poison) ? retry("constraint failed") : done()));
    const { result, summary } = await runWhole(events, handle, Array(16).fill(3));
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(["m11"]);
    expect(result.explicitAcks).toHaveLength(15);
    expect(summary).toEqual({ acked: 15, retried: 1, deadLettered: 0 });
    // the whole batch, then two halves per level down to the message: 1 + 2 × log2(16)
    expect(handle).toHaveBeenCalledTimes(9);
  });

  it("stops splitting when every half fails: an outage, not a bad message", async () => {
    const handle = vi.fn<BatchHandler>(async () => retry("D1 unavailable"));
    const events = Array.from({ length: 8 }, () => placedEvent());
    const { result } = await runWhole(events, handle, Array(8).fill(5));
    expect(result.retryMessages).toHaveLength(8);
    expect(handle).toHaveBeenCalledTimes(3);
  });

  it("calls nothing when no message is valid", async () => {
    const handle = vi.fn(async () => done());
    const { result } = await runWhole([{ broken: 1 }], handle);
    expect(handle).not.toHaveBeenCalled();
    expect(result.explicitAcks).toEqual(["m0"]);
  });
});
