/**
 * What a handler decided about one message. Durable Objects return these instead of
 * throwing, because custom error classes do not survive an RPC boundary.
 */
export type Outcome =
  | { kind: "done"; note?: string }
  | { kind: "retry"; reason: string; afterSeconds?: number }
  | { kind: "reject"; reason: string };

export const done = (note?: string): Outcome => (note ? { kind: "done", note } : { kind: "done" });
export const retry = (reason: string, afterSeconds?: number): Outcome =>
  afterSeconds === undefined ? { kind: "retry", reason } : { kind: "retry", reason, afterSeconds };
export const reject = (reason: string): Outcome => ({ kind: "reject", reason });

export type Retry = Extract<Outcome, { kind: "retry" }>;
export type Reject = Extract<Outcome, { kind: "reject" }>;

/** A provider's "try again" (its reason, and how long it asked us to wait) as a retry. */
export const retryFor = (answer: { reason: string; afterSeconds?: number }): Retry =>
  answer.afterSeconds === undefined ? { kind: "retry", reason: answer.reason } : { kind: "retry", reason: answer.reason, afterSeconds: answer.afterSeconds };

/**
 * One outcome for several independent steps of one message: a refusal wins, then a retry
 * (after the soonest delay any of them asked for), else done. Steps that are done stay done:
 * each records its own result, so the retry repeats only the unfinished ones.
 */
export function allOf(outcomes: readonly Outcome[]): Outcome {
  const refused = outcomes.find((o) => o.kind === "reject");
  if (refused) return refused;
  const retries = outcomes.filter((o): o is Extract<Outcome, { kind: "retry" }> => o.kind === "retry");
  if (retries.length > 0) {
    const delays = retries.map((o) => o.afterSeconds).filter((s): s is number => s !== undefined);
    return retry(retries.map((o) => o.reason).join("; "), delays.length === retries.length ? Math.min(...delays) : undefined);
  }
  return done(outcomes.map((o) => (o.kind === "done" ? o.note : undefined)).filter(Boolean).join("; "));
}
