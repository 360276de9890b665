import assert from "node:assert/strict";
import { parseResizedName, resizedName } from "../../../reconciler/docker/resized-name.ts";

const MI = 2 ** 20;

describe("resized container names", function () {
  const cases = [
    { name: "web-0-3f9a1c", r: { cpu: 0.5, memoryBytes: 128 * MI }, want: "web-0-3f9a1c_cpu0.5_mem128Mi" },
    { name: "web-0-3f9a1c-log-shipper", r: { cpu: 0.125, memoryBytes: 1500 }, want: "web-0-3f9a1c-log-shipper_cpu0.125_mem1500" },
    { name: "web-0-3f9a1c_cpu0.5_mem128Mi", r: { cpu: 2, memoryBytes: 2 * 2 ** 30 }, want: "web-0-3f9a1c_cpu2_mem2Gi" },
    { name: "api-1-77ab01", r: { cpu: 0.000001, memoryBytes: 4 * 2 ** 10 }, want: "api-1-77ab01_cpu0.000001_mem4Ki" },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.want}, and back`, function () {
      const name = resizedName(c.name, c.r);
      assert.equal(name, c.want);
      assert.match(name, /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/, "a name the engine accepts");
      assert.deepEqual(parseResizedName(name), { base: parseResizedName(c.name).base, resources: c.r });
    });
  }
  it("a name a launch gave carries no limits", function () {
    assert.deepEqual(parseResizedName("web-0-3f9a1c"), { base: "web-0-3f9a1c" });
  });
});
