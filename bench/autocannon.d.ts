// The part of autocannon's API the bench's load generator uses (the package ships no types).
declare module "autocannon" {
  type Options = {
    url: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    /** Replaces each `[<id>]` in the request (headers included) with a new id for every request. */
    idReplacement?: boolean;
    connections?: number;
    duration?: number;
    timeout?: number;
  };
  type Result = { requests: { total: number }; errors: number; timeouts: number; non2xx: number; duration: number; start: Date; finish: Date };
  type Instance = { on(event: "response", listener: (client: unknown, statusCode: number, bytes: number, ms: number) => void): void };
  function autocannon(options: Options, done: (error: Error | null, result: Result) => void): Instance;
  export default autocannon;
}
