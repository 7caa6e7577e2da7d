import { DurableObject } from "cloudflare:workers";
import { StoredDocument } from "../../src/platform/document";
import { meteredObject } from "../../src/platform/meter";
import { done, retry, type Outcome } from "../../src/platform/outcome";
import type { SendResult } from "./send-result";
import { sendEmail, sesEndpointFor, type SesConfig } from "./ses";
import { recipientOf, renderEmail, renderSms, templateFor, type Channel, type NotifyingEvent, type Recipient, type Template } from "./templates";
import { sendSms, type TwilioConfig } from "./twilio";

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

type Row = {
  channel: Channel;
  template: Template;
  status: NotificationStatus;
  attempts: number;
  event_id: string;
  recipient: string | null;
  provider_message_id: string | null;
  error_code: string | null;
  error_message: string | null;
  created_at: string;
  updated_at: string;
};

/** Statuses a redelivered event must leave alone. */
const SETTLED = new Set<NotificationStatus>(["sent", "failed", "skipped"]);

/** How long a refund notice waits for the status snapshot that names its recipient. */
const RECIPIENT_WAIT_SECONDS = 30;

/**
 * The notifications of one order: who to tell (from Sales' status snapshots) and a log line per channel
 * and template. SES and Twilio have no idempotency key, so every send is written down before
 * the call ("sending") and after it ("sent"/"retrying"/"failed"): a redelivered event never
 * sends again once a send is known to have succeeded.
 */
export class Notifications extends DurableObject<IntegrationsEnv> {
  private readonly recipient: StoredDocument<Recipient>;
  /** Sends in flight in this object's life; a concurrent delivery of the same event waits. */
  private readonly inFlight = new Set<string>();

  constructor(ctx: DurableObjectState, env: IntegrationsEnv) {
    super(ctx, env);
    meteredObject(this, ctx, env); // bench only: counts billed operations when METER_URL is set
    this.recipient = new StoredDocument<Recipient>(this.ctx.storage.sql, "recipient");
    this.ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS notifications (
      channel TEXT NOT NULL,
      template TEXT NOT NULL,
      status TEXT NOT NULL,               -- sending | retrying | sent | failed | skipped
      attempts INTEGER NOT NULL,
      event_id TEXT NOT NULL,             -- the event that asked for it
      recipient TEXT,
      provider_message_id TEXT,
      error_code TEXT,
      error_message TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      PRIMARY KEY (channel, template)
    ) WITHOUT ROWID`);
  }

  async log(): Promise<NotificationRecord[]> {
    return this.ctx.storage.sql
      .exec<Row>("SELECT * FROM notifications ORDER BY created_at, channel")
      .toArray()
      .map(toRecord);
  }

  /** Sends the message `event` calls for on `channel`, at most once once it is known sent. */
  async notify(channel: Channel, event: NotifyingEvent): Promise<Outcome> {
    let recipient = this.recipient.load();
    if (!recipient) {
      recipient = recipientOf(event);
      if (recipient) this.recipient.save(recipient);
    }
    const template = templateFor(channel, event);
    if (!template) return done(`no ${channel} for ${event.type}`);
    // A refund can overtake the snapshot that names its customer (another publisher, a retry).
    if (!recipient) return retry(`recipient of ${event.subject} unknown until a status snapshot arrives`, RECIPIENT_WAIT_SECONDS);

    const key = `${channel}:${template}`;
    const current = this.row(channel, template);
    if (current && SETTLED.has(current.status)) return done(`${key} already ${current.status}`);
    if (this.inFlight.has(key)) return retry(`${key} is being sent right now`, 10);

    const to = channel === "email" ? recipient.email : recipient.phone;
    if (!to) {
      this.write(channel, template, event.id, { status: "skipped", attempts: 0, error: { message: "no phone number on the order" } });
      return done(`${key} skipped: no phone number`);
    }
    const attempts = (current?.attempts ?? 0) + 1;
    this.inFlight.add(key);
    try {
      this.write(channel, template, event.id, { status: "sending", attempts, to }); // before: a crash leaves a trace
      const result = await this.send(channel, template, event, recipient, to);
      return this.settle(channel, template, event.id, attempts, to, result);
    } finally {
      this.inFlight.delete(key);
    }
  }

  private async send(channel: Channel, template: Template, event: NotifyingEvent, recipient: Recipient, to: string): Promise<SendResult> {
    const shop = this.env.SHOP_NAME || "choreo";
    if (channel === "email") {
      const config = this.sesConfig();
      if (!config) return { kind: "retryable", reason: "SES is not configured (SES_ACCESS_KEY_ID, SES_SECRET_ACCESS_KEY, EMAIL_FROM)", afterSeconds: 300 };
      return sendEmail(config, to, renderEmail(event, recipient, shop), { order_id: event.subject, template });
    }
    const config = this.twilioConfig();
    if (!config) return { kind: "retryable", reason: "Twilio is not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM)", afterSeconds: 300 };
    return sendSms(config, to, renderSms(event as Parameters<typeof renderSms>[0], shop));
  }

  private settle(channel: Channel, template: Template, eventId: string, attempts: number, to: string, result: SendResult): Outcome {
    const key = `${channel}:${template}`;
    switch (result.kind) {
      case "sent":
        this.write(channel, template, eventId, { status: "sent", attempts, to, messageId: result.messageId });
        return done(`${key} sent as ${result.messageId}`);
      case "failed":
        // Terminal: the provider refused this message for good; retrying cannot change that.
        this.write(channel, template, eventId, { status: "failed", attempts, to, error: { code: result.code, message: result.message } });
        return done(`${key} failed for good: ${result.code} ${result.message}`);
      case "retryable":
        this.write(channel, template, eventId, { status: "retrying", attempts, to, error: { message: result.reason } });
        return retry(result.reason, result.afterSeconds);
    }
  }

  private row(channel: Channel, template: Template): Row | undefined {
    return this.ctx.storage.sql
      .exec<Row>("SELECT * FROM notifications WHERE channel = ? AND template = ?", channel, template)
      .toArray()[0];
  }

  private write(
    channel: Channel,
    template: Template,
    eventId: string,
    fields: { status: NotificationStatus; attempts: number; to?: string; messageId?: string; error?: { code?: string; message: string } },
  ): void {
    const now = new Date().toISOString();
    this.ctx.storage.sql.exec(
      `INSERT INTO notifications (channel, template, status, attempts, event_id, recipient, provider_message_id, error_code, error_message, created_at, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)
       ON CONFLICT (channel, template) DO UPDATE SET status = ?3, attempts = ?4, recipient = ?6, provider_message_id = ?7,
         error_code = coalesce(?8, error_code), error_message = coalesce(?9, error_message), updated_at = ?10`,
      channel,
      template,
      fields.status,
      fields.attempts,
      eventId,
      fields.to ?? null,
      fields.messageId ?? null,
      fields.error?.code ?? null,
      fields.error?.message ?? null,
      now,
    );
  }

  private sesConfig(): SesConfig | undefined {
    const { SES_ENDPOINT, SES_REGION, SES_ACCESS_KEY_ID, SES_SECRET_ACCESS_KEY, EMAIL_FROM } = this.env;
    if (!SES_ACCESS_KEY_ID || !SES_SECRET_ACCESS_KEY || !EMAIL_FROM) return undefined;
    const region = SES_REGION || "us-east-1";
    return { endpoint: SES_ENDPOINT || sesEndpointFor(region), region, accessKeyId: SES_ACCESS_KEY_ID, secretAccessKey: SES_SECRET_ACCESS_KEY, from: EMAIL_FROM };
  }

  private twilioConfig(): TwilioConfig | undefined {
    const { TWILIO_API_BASE, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM, TWILIO_MESSAGING_SERVICE_SID } = this.env;
    if (!TWILIO_ACCOUNT_SID || !TWILIO_AUTH_TOKEN || !(TWILIO_FROM || TWILIO_MESSAGING_SERVICE_SID)) return undefined;
    return {
      baseUrl: TWILIO_API_BASE || "https://api.twilio.com",
      accountSid: TWILIO_ACCOUNT_SID,
      authToken: TWILIO_AUTH_TOKEN,
      sender: TWILIO_MESSAGING_SERVICE_SID ? { messagingServiceSid: TWILIO_MESSAGING_SERVICE_SID } : { from: TWILIO_FROM },
    };
  }
}

function toRecord(row: Row): NotificationRecord {
  return {
    channel: row.channel,
    template: row.template,
    status: row.status,
    attempts: row.attempts,
    eventId: row.event_id,
    ...(row.recipient ? { to: row.recipient } : {}),
    ...(row.provider_message_id ? { providerMessageId: row.provider_message_id } : {}),
    ...(row.error_message ? { lastError: { ...(row.error_code ? { code: row.error_code } : {}), message: row.error_message } } : {}),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
