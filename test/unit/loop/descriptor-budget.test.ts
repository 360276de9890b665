/**
 * The daemon's open-file budget (issue 16): one event stream a host, two
 * sockets a host being observed, and a reserve; below it, a warning that
 * names the number to set.
 */
import assert from "node:assert/strict";
import { openFileLimit } from "../../../reconciler/docker/local-exhaustion-error.ts";
import { descriptorBudget, descriptorWarning } from "../../../reconciler/loop/descriptor-budget.ts";

describe("loop: the open-file budget", function () {
  it("is the hosts, two sockets per host observed at once, and 1,024 in reserve", function () {
    assert.equal(descriptorBudget(10_000, 32), 11_088);
  });

  it("warns below the budget, naming the limit to set, and is quiet at or above it or when the limit is unknown", function () {
    const w = descriptorWarning(10_000, 32, 1024);
    assert.ok(w);
    assert.match(w, /10000 hosts need about 11088 open files/);
    assert.match(w, /may open 1024/);
    assert.match(w, /LimitNOFILE=11088/);
    assert.equal(descriptorWarning(10_000, 32, 11_088), undefined);
    assert.equal(descriptorWarning(10_000, 32, undefined), undefined);
  });

  it("reads the soft open-file limit from /proc/self/limits", function () {
    const limits = "Limit                     Soft Limit           Hard Limit           Units\nMax open files            20000                20000                files\n";
    assert.equal(openFileLimit(() => limits), 20_000);
    assert.equal(openFileLimit(() => limits.replace("20000                20000", "unlimited            unlimited")), undefined);
    assert.equal(openFileLimit(() => { throw new Error("ENOENT"); }), undefined);
  });
});
