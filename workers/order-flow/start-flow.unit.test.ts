import { expect, it } from "vitest";
import { typesFor } from "../../src/contracts/topology";
import { orderFlowHandlers } from "./start-flow";

it("handles exactly what the order-flow queue is subscribed to: placements of orchestrated orders", () => {
  expect(Object.keys(orderFlowHandlers({} as never)).sort()).toEqual(typesFor("order-flow").sort());
  expect(typesFor("order-flow")).toEqual(["order.placed.v1"]);
});
