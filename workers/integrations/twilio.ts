import { callProvider, formEncode } from "../../src/platform/provider";
import { providerConfig } from "../../src/platform/provider-config";
import { lookBack, type Trace } from "../../src/platform/provider-once";
import { unsent, type SendResult } from "./send-result";

export type TwilioConfig = {
  baseUrl: string;
  accountSid: string;
  authToken: string;
  /** A number you own, or a Messaging Service that picks one. */
  sender: { from: string } | { messagingServiceSid: string };
};

type TwilioEnv = Partial<Record<"TWILIO_API_BASE" | "TWILIO_ACCOUNT_SID" | "TWILIO_AUTH_TOKEN" | "TWILIO_FROM" | "TWILIO_MESSAGING_SERVICE_SID", unknown>>;
const text = (value: unknown) => (typeof value === "string" && value ? value : undefined);

/** Twilio's configuration from Integrations' env: a sending number (TWILIO_FROM) or a Messaging Service. */
export const twilioConfig = (env: TwilioEnv) =>
  providerConfig("Twilio", env, ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"], (vars): TwilioConfig | undefined => {
    const service = text(env.TWILIO_MESSAGING_SERVICE_SID);
    const from = text(env.TWILIO_FROM);
    if (!service && !from) return undefined;
    return {
      baseUrl: text(env.TWILIO_API_BASE) ?? "https://api.twilio.com",
      accountSid: vars.TWILIO_ACCOUNT_SID,
      authToken: vars.TWILIO_AUTH_TOKEN,
      sender: service ? { messagingServiceSid: service } : { from: from! },
    };
  });

const messagesUrl = (config: TwilioConfig) => `${config.baseUrl.replace(/\/$/, "")}/2010-04-01/Accounts/${encodeURIComponent(config.accountSid)}/Messages.json`;
const basicAuth = (config: TwilioConfig) => `Basic ${btoa(`${config.accountSid}:${config.authToken}`)}`;

/** Twilio's Messages API: form-encoded, Basic auth with the account SID and auth token. */
export async function sendSms(config: TwilioConfig, to: string, text: string): Promise<SendResult> {
  const sender = "from" in config.sender ? { From: config.sender.from } : { MessagingServiceSid: config.sender.messagingServiceSid };
  const reply = await callProvider("Twilio", messagesUrl(config), {
    method: "POST",
    headers: { authorization: basicAuth(config), "content-type": "application/x-www-form-urlencoded" },
    body: formEncode({ To: to, ...sender, Body: text }),
  });
  if (reply.kind === "ok") return { kind: "sent", messageId: String((reply.body as { sid?: unknown }).sid) };
  // Twilio errors carry a numeric code: 21211 invalid number, 21610 unsubscribed, 21614 not a mobile.
  return unsent(reply, (body) => {
    const error = (typeof body === "object" && body ? body : {}) as { code?: number | string; message?: string };
    return { ...(error.code !== undefined ? { code: String(error.code) } : {}), ...(error.message ? { message: error.message } : {}) };
  });
}

type TwilioMessage = { sid: string; body?: string; status?: string; date_created?: string };

/**
 * A text Twilio already took, found among the messages to `to` by its exact body (which names
 * the order): what a send whose answer never came back did. Twilio has no idempotency key.
 */
export function findSms(config: TwilioConfig, to: string, text: string, since: string): Promise<Trace<SendResult>> {
  return lookBack({
    what: `Twilio lookup for ${to}`,
    // Twilio's largest page: a lookup's pages reach back 30,000 texts to this number (at 100 a
    // page, a busy number's lookup could not reach back to the send and waited an hour).
    first: `${messagesUrl(config)}?${new URLSearchParams({ To: to, PageSize: "1000" })}`,
    since,
    get: (url) => callProvider("Twilio", url, { headers: { authorization: basicAuth(config) } }),
    page: (body) => {
      const { messages, next_page_uri } = body as { messages?: TwilioMessage[]; next_page_uri?: string | null };
      // Twilio's next_page_uri is a path from the API's root.
      const next = next_page_uri ? `${config.baseUrl.replace(/\/$/, "")}${next_page_uri}` : null;
      return { items: messages ?? [], next, createdAt: (message: TwilioMessage) => (message.date_created ? Date.parse(message.date_created) : undefined) };
    },
    match: (messages) => {
      const taken = messages.find((message) => message.body === text && message.status !== "failed" && message.status !== "undelivered");
      return taken && ({ kind: "sent", messageId: taken.sid } as const);
    },
  });
}
