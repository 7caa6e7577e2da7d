import { describe, expect, it } from "vitest";
import { billedEvent, placedEvent } from "../../../test/fixtures/orders";
import { readEvent } from "./index";

describe("event factory", () => {
  it("builds a CloudEvents 1.0 envelope with a time-ordered id and the order as subject", () => {
    const event = placedEvent();
    expect(event).toMatchObject({
      specversion: "1.0",
      source: "/sales",
      type: "order.placed.v1",
      subject: event.data.orderId,
      datacontenttype: "application/json",
      correlationid: event.data.orderId,
    });
    expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(event.causationid).toBeUndefined();
  });

  it("inherits the correlation id and records the cause", () => {
    const placed = placedEvent();
    const billed = billedEvent(placed.subject, placed);
    expect(billed.correlationid).toBe(placed.correlationid);
    expect(billed.causationid).toBe(placed.id);
  });

  it("refuses to build an event whose data breaks its schema", () => {
    const placed = placedEvent();
    expect(() => billedEvent("not-an-order-id", placed)).toThrow();
  });
});

describe("readEvent", () => {
  it("accepts a valid event and keeps unknown extension attributes", () => {
    const event = { ...placedEvent(), traceparent: "00-abc-def-01" };
    const read = readEvent(JSON.parse(JSON.stringify(event)));
    expect(read.ok).toBe(true);
    if (read.ok) expect(read.event).toMatchObject({ id: event.id, traceparent: "00-abc-def-01" });
  });

  it.each([
    ["not an object", "hello"],
    ["missing specversion", (() => { const { specversion: _s, ...rest } = placedEvent(); return rest; })()],
    ["unversioned type", { ...placedEvent(), type: "order.placed" }],
    ["bad time", { ...placedEvent(), time: "yesterday" }],
  ])("rejects an invalid envelope: %s", (_name, body) => {
    expect(readEvent(body)).toMatchObject({ ok: false, reason: "invalid_envelope" });
  });

  it("rejects an unknown type separately from a broken envelope", () => {
    expect(readEvent({ ...placedEvent(), type: "order.teleported.v1" })).toMatchObject({ ok: false, reason: "unknown_type" });
  });

  it("rejects data that does not match the type's schema, naming the field", () => {
    const event = placedEvent();
    const read = readEvent({ ...event, data: { ...event.data, total: -1 } });
    expect(read).toMatchObject({ ok: false, reason: "invalid_envelope" });
    if (!read.ok) expect(read.error).toContain("data.total");
  });
});
