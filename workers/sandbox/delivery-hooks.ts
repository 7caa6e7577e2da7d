import type { AnyEvent } from "../../src/contracts/events";
import type { BatchHooks, DeliveryHooks, DeliveryRecord } from "../../src/platform/delivery-hooks";
import { errorMessage, log } from "../../src/platform/log";
import type { ConsumerFault } from "./faults";

/** A consumer's fault plan as the sandbox keeps it (workers/sandbox/faults.ts). */
type FaultPlan = ConsumerFault;

const OK: FaultPlan = { mode: "ok", seed: 0, throwRate: 0, duplicateRate: 0, relayFailRate: 0 };
const PLAN_TTL_MS = 500;
/** Every queue's plan as last read from a sandbox (by its URL): one lookup serves every queue an isolate consumes or sends to. */
const plans = new Map<string, { read: Promise<Record<string, Partial<FaultPlan>>>; at: number }>();

/** A deterministic coin: the same seed and key always land the same way. */
export function chance(plan: FaultPlan, rate: number, key: string): boolean {
  if (plan.mode !== "chaos" || rate <= 0) return false;
  let hash = 2166136261 ^ plan.seed;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 16777619);
  return ((hash >>> 0) % 1_000_000) / 1_000_000 < rate;
}

/**
 * The sandbox's side of the delivery hooks, for dev and tests: each consumed queue's fault plan
 * comes from the sandbox (`down` stops a service, `chaos` injects crashes, lost acks and failed
 * first sends), and every event published and consumed is reported to it, so a test can prove
 * nothing went missing.
 */
export class SandboxDeliveryHooks implements DeliveryHooks {
  /** `audit`: report every event published and consumed (the tests' proof); off under `npm run dev`, where it would only cost CPU. */
  constructor(
    private readonly base: string,
    private readonly audit = false,
  ) {}

  async batch(queue: string): Promise<BatchHooks> {
    const plan = await this.plan(queue);
    return {
      stopped: plan.mode === "down",
      beforeHandling: (message) => {
        if (chance(plan, plan.throwRate, `throw:${message.id}:${message.attempts}`)) throw new Error("chaos: consumer crashed before handling");
      },
      loseAck: (message) => chance(plan, plan.duplicateRate, `dup:${message.id}:${message.attempts}`),
      // Chaos checks what happens, not when: its crashes and lost acks inflate every message's
      // attempts, so the backoff (tested on its own in src/platform/retry.test.ts) is capped.
      ...(plan.mode === "chaos" ? { retryThrownAfterSeconds: 1, backoffCapSeconds: 8 } : {}),
    };
  }

  async beforeSend(queue: string, events: readonly AnyEvent[], firstTry: boolean): Promise<void> {
    if (!firstTry) return;
    const plan = await this.plan(queue);
    if (events.some((event) => chance(plan, plan.relayFailRate, `relay:${event.id}:${queue}`))) throw new Error("chaos: a send to the queue failed");
  }

  async record(records: readonly DeliveryRecord[]): Promise<void> {
    if (!this.audit || records.length === 0) return;
    try {
      await fetch(`${this.base}/_sandbox/audit`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(records) });
    } catch (error) {
      log("warn", "sandbox audit unavailable", { error: errorMessage(error) });
    }
  }

  /** The fault plan for a queue's consumer, from every queue's plans read at most once per PLAN_TTL_MS (a switch takes effect within it). */
  private async plan(queue: string): Promise<FaultPlan> {
    let cached = plans.get(this.base);
    if (!cached || Date.now() - cached.at >= PLAN_TTL_MS) {
      cached = { read: this.readPlans(), at: Date.now() };
      plans.set(this.base, cached);
    }
    return { ...OK, ...(await cached.read)[queue] };
  }

  private async readPlans(): Promise<Record<string, Partial<FaultPlan>>> {
    try {
      const response = await fetch(`${this.base}/_sandbox/consumers`);
      if (response.ok) return ((await response.json()) as { plans: Record<string, Partial<FaultPlan>> }).plans;
      log("warn", "sandbox fault plans unavailable", { status: response.status });
    } catch (error) {
      log("warn", "sandbox fault plans unavailable", { error: errorMessage(error) });
    }
    return {};
  }
}

/** The hooks for a worker whose SANDBOX_URL is set (dev and tests), auditing when SANDBOX_AUDIT is "true"; undefined without a URL. */
export function sandboxDeliveryHooks(url: unknown, audit?: unknown): SandboxDeliveryHooks | undefined {
  return typeof url === "string" && url ? new SandboxDeliveryHooks(url.replace(/\/$/, ""), audit === "true" || audit === true) : undefined;
}
