import { AwsClient } from "aws4fetch";
import { callProvider } from "../../src/platform/provider";
import { unsent, type SendResult } from "./send-result";
import type { Email } from "./templates";
import { providerConfig } from "../../src/platform/provider-config";

export type SesConfig = {
  /** API origin (and path prefix): the real SES, or the sandbox in dev and tests. */
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  from: string;
};

export const sesEndpointFor = (region: string) => `https://email.${region}.amazonaws.com`;

type SesEnv = Partial<Record<"SES_ENDPOINT" | "SES_REGION" | "SES_ACCESS_KEY_ID" | "SES_SECRET_ACCESS_KEY" | "EMAIL_FROM", unknown>>;

/** SES's configuration from Integrations' env; the region defaults to us-east-1 and the endpoint to the region's. */
export const sesConfig = (env: SesEnv) =>
  providerConfig("SES", env, ["SES_ACCESS_KEY_ID", "SES_SECRET_ACCESS_KEY", "EMAIL_FROM"], (vars): SesConfig => {
    const region = typeof env.SES_REGION === "string" && env.SES_REGION ? env.SES_REGION : "us-east-1";
    const endpoint = typeof env.SES_ENDPOINT === "string" && env.SES_ENDPOINT ? env.SES_ENDPOINT : sesEndpointFor(region);
    return { endpoint, region, accessKeyId: vars.SES_ACCESS_KEY_ID, secretAccessKey: vars.SES_SECRET_ACCESS_KEY, from: vars.EMAIL_FROM };
  });

/**
 * SigV4 signing keys already derived in this isolate (aws4fetch keys them by secret, day, region
 * and service): each is four HMACs, the same for every email of a day, so they are derived once.
 */
const signingKeys = new Map<string, ArrayBuffer>();
/** More than a few means secrets or days have gone by; the stale ones are dropped. */
const SIGNING_KEYS_KEPT = 8;

/**
 * SES v2 SendEmail, signed with SigV4 by aws4fetch. Its own retries are off (`retries: 0`):
 * the queue consumer owns retries, with backoff and the delivery log.
 */
export async function sendEmail(config: SesConfig, to: string, email: Email, tags: Record<string, string>): Promise<SendResult> {
  if (signingKeys.size > SIGNING_KEYS_KEPT) signingKeys.clear();
  const client = new AwsClient({
    accessKeyId: config.accessKeyId,
    secretAccessKey: config.secretAccessKey,
    service: "ses",
    region: config.region,
    retries: 0,
    cache: signingKeys,
  });
  const body = JSON.stringify({
    FromEmailAddress: config.from,
    Destination: { ToAddresses: [to] },
    Content: {
      Simple: {
        Subject: { Data: email.subject, Charset: "UTF-8" },
        Body: { Text: { Data: email.text, Charset: "UTF-8" }, Html: { Data: email.html, Charset: "UTF-8" } },
      },
    },
    EmailTags: Object.entries(tags).map(([Name, Value]) => ({ Name, Value })),
  });
  const url = `${config.endpoint.replace(/\/$/, "")}/v2/email/outbound-emails`;
  const signed = await client.sign(url, { method: "POST", headers: { "content-type": "application/json" }, body });
  const reply = await callProvider("SES", signed.url, { method: "POST", headers: signed.headers, body });
  if (reply.kind === "ok") return { kind: "sent", messageId: String((reply.body as { MessageId?: unknown }).MessageId) };
  return unsent(reply, sesError);
}

/** SES names the error in `x-amzn-ErrorType` ("MessageRejected:http://…") or the body's `__type`. */
function sesError(body: unknown, headers: Headers) {
  const fields = (typeof body === "object" && body ? body : {}) as { __type?: string; message?: string; Message?: string };
  const type = headers.get("x-amzn-errortype") ?? fields.__type;
  const code = type?.split(":")[0]?.split("#").at(-1);
  const message = fields.message ?? fields.Message;
  return { ...(code ? { code } : {}), ...(message ? { message } : {}) };
}
