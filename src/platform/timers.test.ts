import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { runDueTimers, Timers } from "./timers";

const freshObject = () => env.ORDERS.get(env.ORDERS.newUniqueId());

describe("Timers", () => {
  it("points the one alarm at the earliest of several deadlines", async () => {
    await runInDurableObject(freshObject(), async (_instance, state) => {
      const timers = new Timers(state.storage);
      const now = Date.now();
      timers.schedule("watchdog", now + 60_000);
      timers.schedule("outbox", now + 5_000);
      expect(await state.storage.getAlarm()).toBe(now + 5_000);
      timers.cancel("outbox");
      expect(await state.storage.getAlarm()).toBe(now + 60_000);
      timers.cancel("watchdog");
      expect(await state.storage.getAlarm()).toBeNull();
    });
  });

  it("never postpones a timer with scheduleNoLaterThan", async () => {
    await runInDurableObject(freshObject(), async (_instance, state) => {
      const timers = new Timers(state.storage);
      const now = Date.now();
      timers.scheduleNoLaterThan("outbox", now + 1_000);
      timers.scheduleNoLaterThan("outbox", now + 9_000);
      expect(timers.dueOf("outbox")).toBe(now + 1_000);
    });
  });

  it("runs the work of due timers only, and re-arms for the rest", async () => {
    await runInDurableObject(freshObject(), async (_instance, state) => {
      const timers = new Timers(state.storage);
      const now = Date.now();
      timers.schedule("outbox", now - 1);
      timers.schedule("watchdog", now + 60_000);
      const ran: string[] = [];
      await runDueTimers(timers, { outbox: () => ran.push("outbox"), watchdog: () => ran.push("watchdog") });
      expect(ran).toEqual(["outbox"]);
      expect(timers.dueOf("outbox")).toBeUndefined();
      expect(await state.storage.getAlarm()).toBe(now + 60_000);
    });
  });
});
