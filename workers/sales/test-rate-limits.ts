/**
 * The limits of Sales' [[ratelimits]] bindings in its rate-limit tests (workers/sales/vitest.rate-limits.config.ts):
 * small, so that exceeding one takes a few requests. Every other local run raises them.
 */
export const TEST_RATE_LIMITS = { ORDERS_PER_IP: 4, ORDERS_PER_CUSTOMER: 2, ADMIN_PER_IP: 5 } as const;
