/** Simulates SES v2 SendEmail (POST /v2/email/outbound-emails). */
export type SesAnswer = { status: number; body: unknown; outcome: "sent" | "rejected" | "invalid" | "unauthorized"; headers?: Record<string, string> };

type SendEmailRequest = {
  FromEmailAddress?: string;
  Destination?: { ToAddresses?: string[] };
  Content?: { Simple?: { Subject?: { Data?: string }; Body?: { Text?: { Data?: string }; Html?: { Data?: string } } } };
};

const error = (status: number, type: string, message: string, outcome: SesAnswer["outcome"]): SesAnswer => ({
  status,
  outcome,
  body: { message },
  headers: { "x-amzn-errortype": `${type}:http://internal.amazon.com/coral/com.amazonaws.sesv2/` },
});

/**
 * Like SES's mailbox simulator, some recipients fail on purpose: `rejected@…` is refused
 * (MessageRejected), `suspended@…` as if the account were suspended. The signature is only
 * checked for shape here; tests verify it with an independent SigV4 implementation.
 */
export function sendEmail(rawBody: string, authorization: string, newId: (prefix: string) => string): SesAnswer {
  if (!/^AWS4-HMAC-SHA256 Credential=\S+\/\d{8}\/[a-z0-9-]+\/ses\/aws4_request, ?SignedHeaders=\S+, ?Signature=[0-9a-f]{64}$/.test(authorization)) {
    return error(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.", "unauthorized");
  }
  let request: SendEmailRequest;
  try {
    request = JSON.parse(rawBody) as SendEmailRequest;
  } catch {
    return error(400, "BadRequestException", "Malformed JSON.", "invalid");
  }
  const to = request.Destination?.ToAddresses ?? [];
  const simple = request.Content?.Simple;
  if (!request.FromEmailAddress || to.length === 0 || !simple?.Subject?.Data || !(simple.Body?.Text?.Data || simple.Body?.Html?.Data)) {
    return error(400, "BadRequestException", "FromEmailAddress, Destination and Content.Simple are required.", "invalid");
  }
  if (to.some((address) => address.startsWith("rejected@"))) return error(400, "MessageRejected", "Email address is not verified.", "rejected");
  if (to.some((address) => address.startsWith("suspended@"))) return error(400, "AccountSuspendedException", "Your account has been suspended.", "rejected");
  return { status: 200, outcome: "sent", body: { MessageId: newId("ses") } };
}
