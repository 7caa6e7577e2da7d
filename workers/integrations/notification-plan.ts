import { done, retry, type Outcome } from "../../src/platform/outcome";
import type { SendResult } from "./send-result";
import { recipientOf, templatesFor, type Channel, type NotifyingEvent, type Recipient, type Template } from "./templates";

export type NotificationStatus = "sending" | "retrying" | "sent" | "failed" | "skipped";

/** One line of an order's delivery log: one message on one channel. */
export type NotificationRecord = {
  channel: Channel;
  template: Template;
  status: NotificationStatus;
  /** Provider calls made so far, counted before each call. */
  attempts: number;
  eventId: string;
  to?: string;
  providerMessageId?: string;
  lastError?: { code?: string; message: string };
  createdAt: string;
  updatedAt: string;
};

/** Everything one order's Notifications object keeps: one document, one row per write. */
export type NotificationLog = { recipient?: Recipient; lines: NotificationRecord[] };

/**
 * A provider call to make; sends of one channel go in order, one after another. `uncertain`: an
 * earlier attempt may have reached the provider without its answer reaching us (an attempt
 * counted and not settled, or a redelivered message), so the provider is asked first where it can be.
 * `since`: no attempt of this notice is older (its line's first count, or the event in hand if
 * earlier): where a lookup must reach back to, whichever event now calls for the notice.
 */
export type Send = { channel: Channel; template: Template; to: string; uncertain: boolean; since: string };

/** What became of a send: the provider's answer, or `held` when an earlier send of its channel did not go out. */
export type SendOutcome = SendResult | { kind: "held"; reason: string; afterSeconds?: number };

const CHANNELS: readonly Channel[] = ["email", "sms"];
/** Statuses a redelivered event must leave alone. */
const SETTLED = new Set<NotificationStatus>(["sent", "failed", "skipped"]);
/** How long a refund notice waits for the status snapshot that names its recipient. */
export const RECIPIENT_WAIT_SECONDS = 30;

const keyOf = (line: { channel: Channel; template: Template }) => `${line.channel}:${line.template}`;

/** The log with `line` in place of the one for its channel and template (or added). */
function withLine(log: NotificationLog, line: NotificationRecord): NotificationLog {
  const lines = log.lines.filter((other) => keyOf(other) !== keyOf(line));
  return { ...log, lines: [...lines, line] };
}

function lineFor(log: NotificationLog, channel: Channel, template: Template, eventId: string, now: string, fields: Partial<NotificationRecord>): NotificationRecord {
  const current = log.lines.find((line) => line.channel === channel && line.template === template);
  return {
    channel,
    template,
    status: "sending",
    attempts: current?.attempts ?? 0,
    eventId: current?.eventId ?? eventId,
    ...(current?.lastError ? { lastError: current.lastError } : {}),
    createdAt: current?.createdAt ?? now,
    ...fields,
    updatedAt: now,
  };
}

/**
 * What an event calls for, given the order's log: the log as it stands once the sends are
 * counted (`sending` lines, a `skipped` SMS, the recipient learnt from a snapshot), the sends to
 * make, and the outcome of the channels that need no send. `redelivered`: the queue delivers this
 * event again, so an attempt may have left no line.
 */
export function planNotifications(log: NotificationLog, event: NotifyingEvent, now: Date, redelivered = false) {
  const at = now.toISOString();
  let next = log;
  const recipient = log.recipient ?? recipientOf(event);
  if (recipient && !log.recipient) next = { ...next, recipient };
  const sends: Send[] = [];
  const outcomes: Outcome[] = [];
  for (const channel of CHANNELS) {
    const templates = templatesFor(channel, event);
    if (templates.length === 0) outcomes.push(done(`no ${channel} for ${event.type}`));
    for (const template of templates) {
      const key = `${channel}:${template}`;
      const current = log.lines.find((line) => line.channel === channel && line.template === template);
      if (current && SETTLED.has(current.status)) {
        outcomes.push(done(`${key} already ${current.status}`));
        continue;
      }
      // A refund can overtake the snapshot that names its customer (another publisher, a retry).
      if (!recipient) {
        outcomes.push(retry(`recipient of ${event.subject} unknown until a status snapshot arrives`, RECIPIENT_WAIT_SECONDS));
        break;
      }
      const to = channel === "email" ? recipient.email : recipient.phone;
      if (!to) {
        next = withLine(next, lineFor(next, channel, template, event.id, at, { status: "skipped", attempts: 0, lastError: { message: "no phone number on the order" } }));
        outcomes.push(done(`${key} skipped: no phone number`));
        continue;
      }
      const attempts = (current?.attempts ?? 0) + 1;
      next = withLine(next, lineFor(next, channel, template, event.id, at, { status: "sending", attempts, to }));
      // A ready_to_ship snapshot also calls for the confirmation its billed one may have tried.
      const since = current && Date.parse(current.createdAt) < Date.parse(event.time) ? current.createdAt : event.time;
      sends.push({ channel, template, to, uncertain: redelivered || (current?.attempts ?? 0) > 0, since });
    }
  }
  return { log: next, changed: next !== log, sends, outcomes };
}

/** The log after the sends' results, and what each result means for the message. */
export function settleNotifications(log: NotificationLog, results: readonly { send: Send; result: SendOutcome }[], eventId: string, now: Date) {
  const at = now.toISOString();
  let next = log;
  const outcomes: Outcome[] = [];
  for (const { send, result } of results) {
    const { channel, template, to } = send;
    const key = keyOf(send);
    const attempts = log.lines.find((line) => keyOf(line) === key)?.attempts ?? 1;
    switch (result.kind) {
      case "sent":
        next = withLine(next, lineFor(next, channel, template, eventId, at, { status: "sent", attempts, to, providerMessageId: result.messageId }));
        outcomes.push(done(`${key} sent as ${result.messageId}`));
        break;
      case "failed":
        // Terminal: the provider refused this message for good; retrying cannot change that.
        next = withLine(next, lineFor(next, channel, template, eventId, at, { status: "failed", attempts, to, lastError: { code: result.code, message: result.message } }));
        outcomes.push(done(`${key} failed for good: ${result.code} ${result.message}`));
        break;
      case "retryable":
        next = withLine(next, lineFor(next, channel, template, eventId, at, { status: "retrying", attempts, to, lastError: { message: result.reason } }));
        outcomes.push(retry(result.reason, result.afterSeconds));
        break;
      case "held":
        // Never called: the attempt counted for it is given back.
        next = withLine(next, lineFor(next, channel, template, eventId, at, { status: "retrying", attempts: attempts - 1, to }));
        outcomes.push(retry(result.reason, result.afterSeconds));
        break;
    }
  }
  return { log: next, outcomes };
}

/** The log as the admin API shows it: oldest first, email before SMS. */
export const linesInOrder = (log: NotificationLog): NotificationRecord[] =>
  [...log.lines].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.channel.localeCompare(b.channel));
