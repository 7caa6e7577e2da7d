import type { z } from "zod";

export type ProblemField = { path: string; message: string };

/**
 * An RFC 9457 problem. Thrown anywhere in a request, it becomes an
 * `application/problem+json` response; `type` is a stable slug clients can switch on.
 */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail?: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
  }

  toJSON(instance?: string) {
    return {
      type: `/problems/${this.slug}`,
      title: this.title,
      status: this.status,
      ...(this.detail ? { detail: this.detail } : {}),
      ...(instance ? { instance } : {}),
      ...this.extensions,
    };
  }

  toResponse(instance?: string, headers: HeadersInit = {}): Response {
    return new Response(JSON.stringify(this.toJSON(instance)), {
      status: this.status,
      headers: { "content-type": "application/problem+json", ...headers },
    });
  }
}

export function fieldsOf(error: z.ZodError): ProblemField[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join(".") || "(root)",
    message: issue.message,
  }));
}

export function validationProblem(fields: ProblemField[], detail = "The request has invalid fields."): Problem {
  return new Problem(422, "validation-failed", "Your request is not valid", detail, { errors: fields });
}
