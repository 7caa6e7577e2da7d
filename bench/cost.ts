// Turns the operations counted during the pipeline run (bench/metered/meter.ts) into dollars
// per million orders at the list prices in bench/prices.json.
import prices from "./prices.json" with { type: "json" };
import type { Counts } from "./meter-collector.ts";

export type PriceKey = keyof typeof prices.items;
export type CostLine = {
  item: PriceKey;
  what: string;
  perOrder: number;
  /** Without any allowance: what a million orders add to the bill. */
  perMillionOrders: number;
  /** A month of one million orders, after the plan's monthly allowance. */
  monthOfMillion: number;
  /** Counted exactly, or estimated (CPU and Durable Object duration: see `basis`). */
  basis: "counted" | "estimated";
};
export type Cost = {
  lines: CostLine[];
  counted: { perMillionOrders: number; monthOfMillion: number };
  withEstimates: { perMillionOrders: number; monthOfMillion: number };
  basePerMonth: number;
  pricesChecked: string;
};

/** How long Cloudflare keeps a completed Workflow instance's state by default: the days its bytes are billed. */
const WORKFLOW_RETENTION_DAYS = 7;

/** A Durable Object is billed 128 MB while it is active. */
const DO_GB = 128 / 1024;

/** The counts whose names start with `prefix`, added up. */
export const sum = (totals: Counts, prefix: string) => Object.entries(totals).reduce((n, [name, v]) => (name.startsWith(prefix) ? n + v : n), 0);

/**
 * Alarms set during the run that had not run when it ended: each runs later, a billed request
 * (Sales' watchdog alarm runs once per order, at its first stage's deadline). An alarm moved on
 * the same object counts twice here: an upper bound.
 */
export const alarmsStillDue = (totals: Counts) => Math.max(0, sum(totals, "do.alarms_set@") - sum(totals, "do.alarms_deleted@") - sum(totals, "do.requests@alarm:"));

/** Operations per order, by price item, from the counts of a run of `orders` orders. */
export function usagePerOrder(totals: Counts, orders: number, cpuMsPerOrder: number): Record<PriceKey, number> {
  const per = (n: number) => n / orders;
  return {
    "workers.requests": per(sum(totals, "workers.requests@")),
    "workers.cpu_ms": cpuMsPerOrder,
    "queues.operations": per(sum(totals, "queues.writes@") + sum(totals, "queues.reads@") + sum(totals, "queues.deletes@")),
    "do.requests": per(sum(totals, "do.requests@") + alarmsStillDue(totals)),
    "do.duration": per((sum(totals, "do.wall_ms@") / 1000) * DO_GB),
    "do.rows_read": per(sum(totals, "do.rows_read@")),
    "do.rows_written": per(sum(totals, "do.rows_written@")),
    "d1.rows_read": per(sum(totals, "d1.rows_read@")),
    "d1.rows_written": per(sum(totals, "d1.rows_written@")),
    "r2.class_a": per(sum(totals, "r2.class_a@")),
    "r2.class_b": per(sum(totals, "r2.class_b@")),
    "kv.reads": per(sum(totals, "kv.reads@")),
    "kv.writes": per(sum(totals, "kv.writes@")),
    "kv.deletes": per(sum(totals, "kv.deletes@")),
    "kv.lists": per(sum(totals, "kv.lists@")),
    "workflows.state_gb_month": per((sum(totals, "workflows.state_bytes@") / 1e9) * (WORKFLOW_RETENTION_DAYS / 30)),
  };
}

// The workflow's state is counted in bytes; how long it is kept (and billed) is the retention setting's.
const ESTIMATED = new Set<PriceKey>(["workers.cpu_ms", "do.duration", "workflows.state_gb_month"]);

export function costOf(usage: Record<PriceKey, number>): Cost {
  const lines = (Object.keys(prices.items) as PriceKey[]).map((item): CostLine => {
    const price = prices.items[item];
    const perOrder = usage[item];
    return {
      item,
      what: price.what,
      perOrder,
      perMillionOrders: perOrder * price.per_million,
      monthOfMillion: (Math.max(0, perOrder * 1e6 - price.included_per_month) / 1e6) * price.per_million,
      basis: ESTIMATED.has(item) ? "estimated" : "counted",
    };
  });
  const total = (which: CostLine[]) => ({
    perMillionOrders: which.reduce((n, line) => n + line.perMillionOrders, 0),
    monthOfMillion: which.reduce((n, line) => n + line.monthOfMillion, 0),
  });
  return {
    lines,
    counted: total(lines.filter((line) => line.basis === "counted")),
    withEstimates: total(lines),
    basePerMonth: prices.base_per_month,
    pricesChecked: prices.checked,
  };
}
