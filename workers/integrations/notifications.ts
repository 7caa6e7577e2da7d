import { DurableObject } from "cloudflare:workers";
import { errorMessage } from "../../src/platform/log";
import { OneAtATime } from "../../src/platform/one-at-a-time";
import { allOf, type Outcome } from "../../src/platform/outcome";
import { linesInOrder, planNotifications, settleNotifications, type NotificationLog, type NotificationRecord, type Send, type SendOutcome } from "./notification-plan";
import type { SendResult } from "./send-result";
import { sendEmail, sesConfig } from "./ses";
import { renderEmail, renderSms, type Channel, type NotifyingEvent, type Recipient, type Template } from "./templates";
import { findSms, sendSms, twilioConfig } from "./twilio";
import { callOnce } from "../../src/platform/provider-once";

export type { NotificationRecord, NotificationStatus } from "./notification-plan";

const LOG_KEY = "log";

/**
 * The notifications of one order: who to tell (from Sales' status snapshots) and a log line
 * per channel and template, all in one document, written once per event after its sends
 * ("sent"/"retrying"/"failed"): a redelivered event never sends again once a send is known to
 * have succeeded. SES and Twilio have no idempotency key, so a send whose outcome is unknown
 * (no answer, or a crash before the write) is looked up at Twilio before texting again; SES
 * offers no lookup, so an email is sent at least once (docs/operations.md). The channels of
 * one event call their providers in parallel; a channel that fails retries alone.
 */
export class Notifications extends DurableObject<IntegrationsEnv> {
  private readonly storage: SyncKvStorage;
  /** One event at a time: a duplicate delivery sees the first one's result, and notices go in order. */
  private readonly serial = new OneAtATime();

  constructor(ctx: DurableObjectState, env: IntegrationsEnv) {
    super(ctx, env);
    this.storage = this.ctx.storage.kv;
  }

  async log(): Promise<NotificationRecord[]> {
    return linesInOrder(this.load());
  }

  /** Sends what `event` calls for on each channel, each at most once once it is known sent. */
  notify(event: NotifyingEvent, delivery: { attempts: number } = { attempts: 1 }): Promise<Outcome> {
    return this.serial.run(() => this.sendFor(event, delivery.attempts > 1));
  }

  private async sendFor(event: NotifyingEvent, redelivered: boolean): Promise<Outcome> {
    const plan = planNotifications(this.load(), event, new Date(), redelivered);
    if (plan.sends.length === 0) {
      if (plan.changed) this.save(plan.log);
      return allOf(plan.outcomes);
    }
    const recipient = plan.log.recipient!;
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
    const settled = settleNotifications(plan.log, perChannel.flat(), event.id, new Date());
    this.save(settled.log); // the one write of this event, after its sends
    return allOf([...plan.outcomes, ...settled.outcomes]);
  }

  /** The order's log: one key of the object's SQLite-backed KV, so each save is one row written and no table is created. */
  private load(): NotificationLog {
    return this.storage.get<NotificationLog>(LOG_KEY) ?? { lines: [] };
  }

  private save(log: NotificationLog): void {
    this.storage.put(LOG_KEY, log);
  }

  private async send({ channel, template, to, uncertain }: Send, event: NotifyingEvent, recipient: Recipient): Promise<SendResult> {
    const shop = this.env.SHOP_NAME || "choreo";
    if (channel === "email") {
      const ses = sesConfig(this.env);
      if (!ses.ok) return { kind: "retryable", reason: ses.retry.reason, afterSeconds: ses.retry.afterSeconds };
      return callOnce({ uncertain, perform: () => sendEmail(ses.config, to, renderEmail(template, event, recipient, shop), { order_id: event.subject, template }) });
    }
    const twilio = twilioConfig(this.env);
    if (!twilio.ok) return { kind: "retryable", reason: twilio.retry.reason, afterSeconds: twilio.retry.afterSeconds };
    const text = renderSms(template, event as Parameters<typeof renderSms>[1], shop);
    return callOnce({ uncertain, lookUp: () => findSms(twilio.config, to, text), perform: () => sendSms(twilio.config, to, text) });
  }
}
