import { errorMessage, log } from "./log";

/**
 * Dev and test only. When a worker's SANDBOX_URL is set, its consumers take a fault plan
 * from the provider sandbox (to show outages and run the chaos test) and report every
 * event they publish and consume to it (so a test can prove nothing went missing).
 * In production SANDBOX_URL is empty and none of this runs.
 */
export type FaultPlan = {
  /** `down`: the consumer handles nothing and retries every message; `chaos`: random faults. */
  mode: "ok" | "down" | "chaos";
  seed: number;
  /** Share of deliveries that crash before the handler runs. */
  throwRate: number;
  /** Share of handled deliveries whose ack is "lost", so the queue delivers them again. */
  duplicateRate: number;
  /** Share of outbox rows whose first send fails. */
  relayFailRate: number;
};

export type AuditRecord = { kind: "published" | "consumed" | "dead"; queue: string; eventId: string; type: string };

const OK: FaultPlan = { mode: "ok", seed: 0, throwRate: 0, duplicateRate: 0, relayFailRate: 0 };
const PLAN_TTL_MS = 500;
const plans = new Map<string, { plan: FaultPlan; at: number }>();

export class SandboxHooks {
  constructor(private readonly base: string) {}

  /** The fault plan for a queue's consumer, cached briefly so a batch costs one lookup at most. */
  async plan(queue: string): Promise<FaultPlan> {
    const key = `${this.base}|${queue}`;
    const cached = plans.get(key);
    if (cached && Date.now() - cached.at < PLAN_TTL_MS) return cached.plan;
    let plan = OK;
    try {
      const response = await fetch(`${this.base}/_sandbox/consumers/${queue}`);
      if (response.ok) plan = { ...OK, ...((await response.json()) as Partial<FaultPlan>) };
    } catch (error) {
      log("warn", "sandbox fault plan unavailable", { queue, error: errorMessage(error) });
    }
    plans.set(key, { plan, at: Date.now() });
    return plan;
  }

  /** A deterministic coin: the same seed and key always land the same way. */
  chance(plan: FaultPlan, rate: number, key: string): boolean {
    if (plan.mode !== "chaos" || rate <= 0) return false;
    let hash = 2166136261 ^ plan.seed;
    for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 16777619);
    return ((hash >>> 0) % 1_000_000) / 1_000_000 < rate;
  }

  async audit(records: AuditRecord[]): Promise<void> {
    if (records.length === 0) return;
    try {
      await fetch(`${this.base}/_sandbox/audit`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(records) });
    } catch (error) {
      log("warn", "sandbox audit unavailable", { error: errorMessage(error) });
    }
  }
}

export function sandboxHooks(url: unknown): SandboxHooks | undefined {
  return typeof url === "string" && url ? new SandboxHooks(url.replace(/\/$/, "")) : undefined;
}
