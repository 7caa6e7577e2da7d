import { deliveryHooks, installDeliveryHooks } from "../../src/platform/delivery-hooks";
import { sandboxDeliveryHooks } from "./delivery-hooks";

/** Installs the sandbox's delivery hooks in this isolate, once, from the worker's SANDBOX_URL (and SANDBOX_AUDIT). */
function plugInto(env: unknown): void {
  if (deliveryHooks()) return;
  const vars = env as { SANDBOX_URL?: unknown; SANDBOX_AUDIT?: unknown } | undefined;
  installDeliveryHooks(sandboxDeliveryHooks(vars?.SANDBOX_URL, vars?.SANDBOX_AUDIT));
}

/**
 * A worker's handler with the sandbox plugged in. Only the entry modules under
 * workers/sandbox/plugged/ use this, for `npm run dev` and the end-to-end tests; production
 * runs each worker's own entry, which never loads the sandbox.
 */
export function sandboxedHandler<E>(handler: ExportedHandler<E>): ExportedHandler<E> {
  const { fetch, queue } = handler;
  return {
    ...handler,
    ...(fetch ? { fetch: (request, env, ctx) => (plugInto(env), fetch(request, env, ctx)) } : {}),
    ...(queue ? { queue: (batch, env, ctx) => (plugInto(env), queue(batch, env, ctx)) } : {}),
  } as ExportedHandler<E>;
}

type ObjectClass = abstract new (...args: any[]) => object;

/** A Durable Object class with the sandbox plugged in before its constructor runs (it may publish or consume first). */
export function sandboxedClass<C extends ObjectClass>(Base: C): C {
  abstract class Sandboxed extends Base {
    constructor(...args: any[]) {
      plugInto(args[1]);
      super(...args);
    }
  }
  Object.defineProperty(Sandboxed, "name", { value: Base.name });
  return Sandboxed as unknown as C;
}
