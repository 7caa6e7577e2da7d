import { DurableObject } from "cloudflare:workers";
import { errorMessage } from "../../src/platform/log";
import { allOf, type Outcome } from "../../src/platform/outcome";
import { linesInOrder, planNotifications, settleNotifications, type NotificationLog, type NotificationRecord, type Send, type SendOutcome } from "./notification-plan";
import type { SendResult } from "./send-result";
import { sendEmail, sesConfig } from "./ses";
import { renderEmail, renderSms, type Channel, type NotifyingEvent, type Recipient, type Template } from "./templates";
import { sendSms, twilioConfig } from "./twilio";

export type { NotificationRecord, NotificationStatus } from "./notification-plan";

const LOG_KEY = "log";

/**
 * The notifications of one order: who to tell (from Sales' status snapshots) and a log line
 * per channel and template, all in one document (one row written per save). SES and Twilio
 * have no idempotency key, so every send is written down before the call ("sending") and after
 * it ("sent"/"retrying"/"failed"): a redelivered event never sends again once a send is known to
 * have succeeded. The channels of one event share those two writes and call their providers in
 * parallel; a channel whose provider fails retries alone, the other's result stays recorded.
 */
export class Notifications extends DurableObject<IntegrationsEnv> {
  private readonly storage: SyncKvStorage;
  /** Sends in flight in this object's life; a concurrent delivery of the same event waits. */
  private readonly inFlight = new Set<string>();

  constructor(ctx: DurableObjectState, env: IntegrationsEnv) {
    super(ctx, env);
    this.storage = this.ctx.storage.kv;
  }

  async log(): Promise<NotificationRecord[]> {
    return linesInOrder(this.load());
  }

  /** Sends what `event` calls for on each channel, each at most once once it is known sent. */
  async notify(event: NotifyingEvent): Promise<Outcome> {
    const before = this.load();
    const plan = planNotifications(before, event, new Date(), this.inFlight);
    if (plan.changed) this.save(plan.log); // before the calls: a crash leaves a trace
    if (plan.sends.length === 0) return allOf(plan.outcomes);
    const recipient = plan.log.recipient!;
    const keys = plan.sends.map((send) => `${send.channel}:${send.template}`);
    for (const key of keys) this.inFlight.add(key);
    try {
      // A call that throws is one channel's retry: the other channel's answer is still recorded.
      const unsent = (error: unknown): SendResult => ({ kind: "retryable", reason: errorMessage(error) });
      // The channels in parallel; within one, in order, and nothing after a send that did not go out.
      const channels = [...new Set(plan.sends.map((send) => send.channel))];
      const perChannel = await Promise.all(
        channels.map(async (channel) => {
          const results: { send: Send; result: SendOutcome }[] = [];
          let blocking: SendOutcome | undefined;
          for (const send of plan.sends.filter((candidate) => candidate.channel === channel)) {
            if (blocking?.kind === "retryable") {
              results.push({ send, result: { kind: "held", reason: `${send.channel}:${send.template} waits for the notice before it`, ...(blocking.afterSeconds ? { afterSeconds: blocking.afterSeconds } : {}) } });
              continue;
            }
            const result = await this.send(send, event, recipient).catch(unsent);
            results.push({ send, result });
            blocking = result;
          }
          return results;
        }),
      );
      const results = perChannel.flat();
      const settled = settleNotifications(this.load(), results, event.id, new Date());
      this.save(settled.log);
      return allOf([...plan.outcomes, ...settled.outcomes]);
    } finally {
      for (const key of keys) this.inFlight.delete(key);
    }
  }

  /** The order's log: one key of the object's SQLite-backed KV, so each save is one row written and no table is created. */
  private load(): NotificationLog {
    return this.storage.get<NotificationLog>(LOG_KEY) ?? { lines: [] };
  }

  private save(log: NotificationLog): void {
    this.storage.put(LOG_KEY, log);
  }

  private async send({ channel, template, to }: Send, event: NotifyingEvent, recipient: Recipient): Promise<SendResult> {
    const shop = this.env.SHOP_NAME || "choreo";
    if (channel === "email") {
      const ses = sesConfig(this.env);
      if (!ses.ok) return { kind: "retryable", reason: ses.retry.reason, afterSeconds: ses.retry.afterSeconds };
      return sendEmail(ses.config, to, renderEmail(template, event, recipient, shop), { order_id: event.subject, template });
    }
    const twilio = twilioConfig(this.env);
    if (!twilio.ok) return { kind: "retryable", reason: twilio.retry.reason, afterSeconds: twilio.retry.afterSeconds };
    return sendSms(twilio.config, to, renderSms(template, event as Parameters<typeof renderSms>[1], shop));
  }
}
