// Values Vitest global setups hand to tests (see test/sandbox-server.ts).
import "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    /** Origin of the provider sandbox started for the run, e.g. http://127.0.0.1:40123 */
    sandboxUrl: string;
  }
}
