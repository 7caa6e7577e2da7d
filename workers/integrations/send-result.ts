import type { ProviderReply } from "../../src/platform/provider";

/**
 * What became of one send to SES or Twilio: accepted (with the provider's message id), worth
 * another try later (429, 5xx, network), or refused for good with the provider's code.
 */
export type SendResult =
  | { kind: "sent"; messageId: string }
  | { kind: "retryable"; reason: string; afterSeconds?: number }
  | { kind: "failed"; code: string; message: string };

/** The retryable and refused replies, in send-result words; `codeOf` reads the provider's error code. */
export function unsent(
  reply: Exclude<ProviderReply, { kind: "ok" }>,
  codeOf: (body: unknown, headers: Headers) => { code?: string; message?: string },
): SendResult {
  if (reply.kind === "retryable") return reply;
  const { code, message } = codeOf(reply.body, reply.headers);
  return { kind: "failed", code: code ?? String(reply.status), message: message ?? reply.reason };
}
