// Rate limits as Cloudflare runs them: "the underlying counters are cached on the same machine
// that your Worker runs in, and updated asynchronously in the background … you are not waiting
// on a network request" (developers.cloudflare.com/workers/runtime-apis/bindings/rate-limit/,
// "Performance"). Locally, miniflare stands each `limit()` in with a fetch to a Durable Object
// that writes a SQLite row, work the edge does not do on the request's path. This counter keeps
// the same fixed windows in the isolate's memory, so the bench can show the accept path both ways.

/** A Rate Limiting binding's `limit()`, counted per key in a fixed window of `periodSeconds`. */
export class InIsolateLimiter implements RateLimit {
  private readonly windows = new Map<string, { window: number; count: number }>();

  constructor(
    private readonly limitPerPeriod: number,
    private readonly periodSeconds: number,
  ) {}

  async limit(options: RateLimitOptions): Promise<RateLimitOutcome> {
    const window = Math.floor(Date.now() / (this.periodSeconds * 1000));
    const current = this.windows.get(options.key);
    const count = current?.window === window ? current.count : 0;
    if (count >= this.limitPerPeriod) return { success: false };
    this.windows.set(options.key, { window, count: count + 1 });
    return { success: true };
  }
}
