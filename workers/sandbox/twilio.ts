/** Simulates Twilio's POST /2010-04-01/Accounts/{AccountSid}/Messages.json. */
export type TwilioAnswer = { status: number; body: unknown; outcome: "sent" | "refused" | "invalid" | "unauthorized" };

/** Twilio's magic test numbers: each fails with its real error code. */
const MAGIC: Record<string, { code: number; message: string }> = {
  "+15005550001": { code: 21211, message: "The 'To' number +15005550001 is not a valid phone number." },
  "+15005550004": { code: 21610, message: "Attempt to send to unsubscribed recipient" },
  "+15005550009": { code: 21614, message: "'To' number is not a valid mobile number" },
};

const refusal = (status: number, code: number, message: string, outcome: TwilioAnswer["outcome"]): TwilioAnswer => ({
  status,
  outcome,
  body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
});

export function createMessage(accountSid: string, form: URLSearchParams, authorization: string, newId: (prefix: string) => string): TwilioAnswer {
  let user: string | undefined;
  try {
    user = atob(authorization.replace(/^Basic /, "")).split(":")[0];
  } catch {
    // not base64: unauthenticated
  }
  if (!authorization.startsWith("Basic ") || user !== accountSid) return refusal(401, 20003, "Authenticate", "unauthorized");
  const to = form.get("To");
  const from = form.get("From");
  const service = form.get("MessagingServiceSid");
  const text = form.get("Body");
  if (!to) return refusal(400, 21604, "A 'To' phone number is required.", "invalid");
  if (!from && !service) return refusal(400, 21603, "A 'From' phone number or a MessagingServiceSid is required.", "invalid");
  if (!text) return refusal(400, 21602, "Message body is required.", "invalid");
  const magic = MAGIC[to];
  if (magic) return refusal(400, magic.code, magic.message, "refused");
  return {
    status: 201,
    outcome: "sent",
    body: {
      sid: newId("SM"),
      account_sid: accountSid,
      to,
      from: from ?? null,
      messaging_service_sid: service ?? null,
      body: text,
      status: "queued",
      num_segments: String(Math.ceil(text.length / 160)),
      date_created: new Date().toUTCString(),
    },
  };
}
