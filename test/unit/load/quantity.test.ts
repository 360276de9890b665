import assert from "node:assert/strict";
import { parseDuration, parseMemory, QuantityError } from "../../../reconciler/model/quantity.ts";

describe("quantities", () => {
  const durations: [string, number][] = [
    ["500ms", 500],
    ["10s", 10_000],
    ["2m", 120_000],
    ["1h30m", 5_400_000],
    ["1.5s", 1_500],
    ["0s", 0],
  ];
  for (const [text, ms] of durations) it(`duration ${text} is ${ms} ms`, () => assert.equal(parseDuration(text), ms));

  const memories: [string, number][] = [
    ["64Mi", 64 * 1024 * 1024],
    ["1Gi", 1024 ** 3],
    ["512Ki", 512 * 1024],
    ["500M", 500_000_000],
    ["1024", 1024],
    ["0.5Gi", 512 * 1024 * 1024],
  ];
  for (const [text, bytes] of memories) it(`memory ${text} is ${bytes} bytes`, () => assert.equal(parseMemory(text), bytes));

  for (const bad of ["", "10", "5x", "1h 30m", "s"]) {
    it(`refuses duration ${JSON.stringify(bad)}`, () => {
      assert.throws(() => parseDuration(bad), (err: unknown) => err instanceof QuantityError && err.code === "quantity-unreadable" && err.data.value === bad);
    });
  }
  for (const bad of ["", "64MB", "Mi", "-1Gi"]) {
    it(`refuses memory ${JSON.stringify(bad)}`, () => assert.throws(() => parseMemory(bad), QuantityError));
  }
});
