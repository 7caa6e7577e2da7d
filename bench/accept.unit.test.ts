import { describe, expect, it } from "vitest";
import { medianRound, turnOrder, type AcceptRow } from "./accept.ts";

const round = (rps: number): AcceptRow => ({ system: "minimal", connections: 64, seconds: 3, requests: rps * 3, rps, ok: rps * 3, failed: 0, p50: 1000 / rps, p95: 0, p99: 0, cpuMsPerRequest: 1, loadAverage: 1 });

describe("the accept bench's rounds", () => {
  it("reports the round with the median requests/s, with every round's figure in the order run", () => {
    const median = medianRound([round(210), round(150), round(180)]);
    expect(median.rps).toBe(180);
    expect(median.p50).toBeCloseTo(1000 / 180);
    expect(median.roundsRps).toEqual([210, 150, 180]);
  });

  it("takes the lower middle round of an even count, never a figure no round measured", () => {
    expect(medianRound([round(200), round(100), round(300), round(400)]).rps).toBe(200);
    expect(medianRound([round(120)]).rps).toBe(120);
  });

  it("shuffles the turns of each round, the same way in every run, each system once per round", () => {
    const systems = ["bare", "minimal", "minimal-limited", "choreo-keyed", "choreo", "choreo-keyed-edge", "choreo-edge", "sync"];
    const rounds = [1, 2, 3].map((round) => turnOrder(systems, round, 64));
    for (const order of rounds) expect([...order].sort()).toEqual([...systems].sort());
    expect(turnOrder(systems, 2, 64)).toEqual(rounds[1]);
    // Who goes right before the keyed system changes from round to round.
    const before = rounds.map((order) => order[order.indexOf("choreo-keyed-edge") - 1]);
    expect(new Set(before).size).toBeGreaterThan(1);
  });
});
