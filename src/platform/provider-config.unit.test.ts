import { describe, expect, it } from "vitest";
import { providerConfig, UNCONFIGURED_RETRY_SECONDS } from "./provider-config";

describe("a provider's configuration", () => {
  const build = (vars: Record<"A" | "B", string>) => ({ url: vars.A, key: vars.B });

  it("is built once every required var is set", () => {
    expect(providerConfig("Acme", { A: "https://acme", B: "k" }, ["A", "B"], build)).toEqual({ ok: true, config: { url: "https://acme", key: "k" } });
  });

  it("is a retry naming the vars to set when one is missing or empty", () => {
    for (const env of [{ A: "https://acme" }, { A: "https://acme", B: "" }]) {
      expect(providerConfig("Acme", env, ["A", "B"], build)).toEqual({
        ok: false,
        retry: { kind: "retry", reason: "Acme is not configured (A, B)", afterSeconds: UNCONFIGURED_RETRY_SECONDS },
      });
    }
  });

  it("is a retry when the builder refuses what it got", () => {
    expect(providerConfig("Acme", { A: "x", B: "y" }, ["A", "B"], () => undefined)).toMatchObject({ ok: false });
  });
});
