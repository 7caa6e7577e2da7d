import { env } from "cloudflare:workers";
import { afterAll, describe, expect, inject, it } from "vitest";
import { sandboxClient } from "../../test/fixtures/sandbox";
import { newOrderId } from "../../src/platform/ids";
import { chargeOrder, findRecentCharge, SEARCH_LAG_MS, stripeConfig } from "./stripe";

const charge = (orderId: string) => ({ orderId, amount: 3000, currency: "USD", paymentMethod: "pm_card_visa", customerEmail: "ada@example.com" });

describe("finding a charge whose answer was lost (a cancellation right after it)", () => {
  // Its 3,100 charges would fill the list of a test in the next file that looks back the
  // clock margin (10 s) past its own charge: more than the thirty pages it reads.
  afterAll(() => sandboxClient(inject("sandboxUrl")).reset());

  it("lists back past a thousand newer charges; past what it lists, waits for Search, then asks it", async () => {
    const stripe = stripeConfig(env as BillingEnv);
    if (!stripe.ok) throw new Error("the test's Stripe settings are incomplete");
    const config = stripe.config;
    const orderId = newOrderId();
    const since = new Date().toISOString();
    const lost = await chargeOrder(config, charge(orderId));
    expect(lost.kind).toBe("succeeded");
    const newer = async (count: number) => {
      for (let done = 0; done < count; done += 100) await Promise.all(Array.from({ length: 100 }, () => chargeOrder(config, charge(newOrderId()))));
    };
    // More charges since than ten pages of the List API hold (the lookup read ten before).
    await newer(1_100);
    expect(await findRecentCharge(config, orderId, since, Date.now())).toEqual({ kind: "found", result: lost });
    // More than its thirty pages, all made within Search's lag: it cannot tell yet, and says when to ask again.
    await newer(2_000);
    const early = await findRecentCharge(config, orderId, since, Date.now());
    expect(early).toMatchObject({ kind: "retryable" });
    expect(early.kind === "retryable" && early.afterSeconds).toBeLessThanOrEqual(SEARCH_LAG_MS / 1000);
    // A minute on, what the list read reaches back past the lag: Search answers for the rest.
    const later = Date.now() + SEARCH_LAG_MS;
    expect(await findRecentCharge(config, orderId, since, later)).toEqual({ kind: "found", result: lost });
    expect(await findRecentCharge(config, newOrderId(), since, later)).toEqual({ kind: "none" });
  }, 180_000);
});
