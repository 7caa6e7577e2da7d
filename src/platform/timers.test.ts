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

  it("wakes the object by a deadline without storing a row for it", async () => {
    await runInDurableObject(freshObject(), async (_instance, state) => {
      const timers = new Timers(state.storage);
      const now = Date.now();
      timers.schedule("watchdog", now + 60_000);
      timers.wakeBy("outbox", now + 5_000);
      timers.wakeBy("outbox", now + 9_000); // never later than already promised
      expect(await state.storage.getAlarm()).toBe(now + 5_000);
      expect(state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM timers").one().n).toBe(1);
      timers.cancel("outbox");
      expect(await state.storage.getAlarm()).toBe(now + 60_000);

      timers.wakeBy("outbox", now - 1);
      const ran: string[] = [];
      await runDueTimers(timers, { outbox: () => ran.push("outbox"), watchdog: () => ran.push("watchdog") });
      expect(ran).toEqual(["outbox"]);
      expect(await state.storage.getAlarm()).toBe(now + 60_000);
    });
  });

  it("points the alarm once, after a batch of changes", async () => {
    await runInDurableObject(freshObject(), async (_instance, state) => {
      const timers = new Timers(state.storage);
      const now = Date.now();
      let during: Promise<number | null> | undefined;
      timers.batch(() => {
        timers.schedule("watchdog", now + 60_000);
        timers.wakeBy("outbox", now + 5_000);
        during = state.storage.getAlarm();
      });
      expect(await during).toBeNull();
      expect(await state.storage.getAlarm()).toBe(now + 5_000);
    });
  });
});
