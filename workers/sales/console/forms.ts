import type { Context } from "hono";
import { z } from "zod";
import { fieldsOf } from "../../../src/platform/problem";

// Every console form, validated like any API body: a form that does not parse is refused
// with its fields named, and nothing is sent to the admin API.

/** Path ids as the console passes them on; the admin API checks their exact shape. */
export const PathId = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, "not an id");

export const SignInForm = z.strictObject({ token: z.string().min(1, "enter the admin token").max(512) });
export const ActionForm = z.strictObject({ csrf: z.string().min(1).max(128) });
export const SelectionForm = ActionForm.extend({
  ids: z.preprocess((v) => (v === undefined ? [] : [v].flat()), z.array(PathId).min(1, "select at least one letter").max(1000)),
});
export const DiscardForm = ActionForm.extend({ reason: z.string().trim().min(1, "say why it is discarded").max(500) });

export type FormResult<T> = { ok: true; data: T } | { ok: false; errors: { path: string; message: string }[] };

/** The urlencoded body of a console form, parsed with `schema`. */
export async function readForm<T>(c: Context, schema: z.ZodType<T>): Promise<FormResult<T>> {
  const type = c.req.header("content-type") ?? "";
  if (!type.startsWith("application/x-www-form-urlencoded")) return { ok: false, errors: [{ path: "(root)", message: "send the form as application/x-www-form-urlencoded" }] };
  const body = await c.req.parseBody({ all: true });
  const parsed = schema.safeParse(body);
  return parsed.success ? { ok: true, data: parsed.data } : { ok: false, errors: fieldsOf(parsed.error) };
}
