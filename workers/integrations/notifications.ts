import { DurableObject } from "cloudflare:workers";
import { errorMessage } from "../../src/platform/log";
import { OneAtATime } from "../../src/platform/one-at-a-time";
import { allOf, retry, type Outcome } from "../../src/platform/outcome";
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
  /** The log as changed by events handled and not yet written. */
  private unwritten: NotificationLog | undefined;
  /** Events waiting behind the one being handled (the billed and ready snapshots of one queue batch). */
  private queued = 0;
  /** Settles when the events handled so far are written. */
  private nextWrite = Promise.withResolvers<void>();

  constructor(ctx: DurableObjectState, env: IntegrationsEnv) {
    super(ctx, env);
    this.storage = this.ctx.storage.kv;
  }

  async log(): Promise<NotificationRecord[]> {
    return linesInOrder(this.load());
  }

  /**
   * Sends what `event` calls for on each channel, each at most once once it is known sent. The
   * answer waits for the write that keeps its results: one write for the events that come together.
   */
  async notify(event: NotifyingEvent, delivery: { attempts: number } = { attempts: 1 }): Promise<Outcome> {
    this.queued++;
    const [outcome, written] = await this.serial.run(async () => {
      this.queued--;
      const outcome = await this.sendFor(event, delivery.attempts > 1).catch((error: unknown) => retry(errorMessage(error)));
      return [outcome, this.writeWhenLast()] as const;
    });
    await written;
    return outcome;
  }

  /** Writes the log unless another event waits to be handled: the last of them writes for all. */
  private writeWhenLast(): Promise<void> {
    const write = this.nextWrite;
    if (this.queued > 0) return write.promise;
    if (this.unwritten) this.storage.put(LOG_KEY, this.unwritten);
    this.unwritten = undefined;
    this.nextWrite = Promise.withResolvers<void>();
    write.resolve();
    return write.promise;
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
    this.save(settled.log); // written after the sends, once for the events handled together
    return allOf([...plan.outcomes, ...settled.outcomes]);
  }

  /** The order's log: one key of the object's SQLite-backed KV, so each save is one row written and no table is created. */
  private load(): NotificationLog {
    return this.unwritten ?? this.storage.get<NotificationLog>(LOG_KEY) ?? { lines: [] };
  }

  private save(log: NotificationLog): void {
    this.unwritten = log;
  }

  private async send({ channel, template, to, uncertain, since }: Send, event: NotifyingEvent, recipient: Recipient): Promise<SendResult> {
    const shop = this.env.SHOP_NAME || "choreo";
    if (channel === "email") {
      const ses = sesConfig(this.env);
      if (!ses.ok) return { kind: "retryable", reason: ses.retry.reason, afterSeconds: ses.retry.afterSeconds };
      return callOnce({ uncertain, perform: () => sendEmail(ses.config, to, renderEmail(template, event, recipient, shop), { order_id: event.subject, template }) });
    }
    const twilio = twilioConfig(this.env);
    if (!twilio.ok) return { kind: "retryable", reason: twilio.retry.reason, afterSeconds: twilio.retry.afterSeconds };
    const text = renderSms(template, event as Parameters<typeof renderSms>[1], shop);
    return callOnce({ uncertain, lookUp: () => findSms(twilio.config, to, text, since), perform: () => sendSms(twilio.config, to, text) });
  }
}
