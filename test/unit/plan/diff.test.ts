import assert from "node:assert/strict";
import { diffFleet } from "../../../reconciler/plan/diff.ts";
import type { PlanChange } from "../../../reconciler/plan/types.ts";
import { container, input, observed, pod, rollout, service } from "./mock.ts";

const v1 = pod();
const v2 = pod({ specHash: "hash-v2", containers: [container({ image: "127.0.0.1:5000/berth/app:v2", env: { LOG_LEVEL: "debug" } })] });

type Expect = { slot: number; action: PlanChange["action"]; host?: string; reason?: RegExp };

function actions(changes: readonly PlanChange[]): Expect[] {
  return changes.map((c) => ({ slot: c.slot, action: c.action, ...(c.action !== "unplaced" ? { host: c.host } : {}) }));
}

describe("diffFleet", function () {
  const cases: { name: string; in: Parameters<typeof diffFleet>[0]; want: Expect[]; inSync?: boolean }[] = [
    {
      name: "first deploy creates every slot on its placed host",
      in: input(),
      want: [
        { slot: 0, action: "create", host: "h1" },
        { slot: 1, action: "create", host: "h2" },
        { slot: 2, action: "create", host: "h3" },
      ],
    },
    {
      name: "a converged fleet keeps everything and is in sync",
      in: input({ observed: [observed(v1, 0, "h1"), observed(v1, 1, "h2"), observed(v1, 2, "h3")] }),
      want: [
        { slot: 0, action: "keep", host: "h1" },
        { slot: 1, action: "keep", host: "h2" },
        { slot: 2, action: "keep", host: "h3" },
      ],
      inSync: true,
    },
    {
      name: "a new spec replaces each slot in place",
      in: input({ services: [service({ pod: v2 })], observed: [observed(v1, 0, "h1"), observed(v1, 1, "h2"), observed(v1, 2, "h3")] }),
      want: [
        { slot: 0, action: "replace", host: "h1" },
        { slot: 1, action: "replace", host: "h2" },
        { slot: 2, action: "replace", host: "h3" },
      ],
    },
    {
      name: "an exited pod of the current spec is recreated, an unhealthy one too",
      in: input({
        observed: [observed(v1, 0, "h1", { state: "exited", exitCode: 137 }), observed(v1, 1, "h2", { health: "unhealthy" }), observed(v1, 2, "h3")],
      }),
      want: [
        { slot: 0, action: "recreate", host: "h1" },
        { slot: 1, action: "recreate", host: "h2" },
        { slot: 2, action: "keep", host: "h3" },
      ],
    },
    {
      name: "scaling down removes the slots beyond replicas",
      in: input({
        services: [service({ replicas: 2 })],
        placements: [0, 1].map((slot) => ({ group: "web", slot, host: `h${slot + 1}` })),
        observed: [observed(v1, 0, "h1"), observed(v1, 1, "h2"), observed(v1, 2, "h3")],
      }),
      want: [
        { slot: 0, action: "keep", host: "h1" },
        { slot: 1, action: "keep", host: "h2" },
        { slot: 2, action: "remove", host: "h3" },
      ],
    },
    {
      name: "a service deleted from git is pruned",
      in: input({ services: [], placements: [], observed: [observed(v1, 0, "h1"), observed(v1, 1, "h2")] }),
      want: [
        { slot: 0, action: "remove", host: "h1" },
        { slot: 1, action: "remove", host: "h2" },
      ],
    },
    {
      name: "a pod the scheduler moved off a drained host is replaced on the new host",
      in: input({
        hosts: [{ name: "h1", state: "ready" }, { name: "h2", state: "drained" }, { name: "h3", state: "ready" }],
        placements: [
          { group: "web", slot: 0, host: "h1" },
          { group: "web", slot: 1, host: "h3" },
        ],
        services: [service({ replicas: 2 })],
        observed: [observed(v1, 0, "h1"), observed(v1, 1, "h2")],
      }),
      want: [
        { slot: 0, action: "keep", host: "h1" },
        { slot: 1, action: "replace", host: "h3" },
      ],
    },
    {
      name: "a leftover old pod next to its finished replacement is removed as a duplicate",
      in: input({
        services: [service({ pod: v2, replicas: 1 })],
        placements: [{ group: "web", slot: 0, host: "h1" }],
        observed: [observed(v1, 0, "h1", { state: "exited", exitCode: 0 }), observed(v2, 0, "h1")],
      }),
      want: [
        { slot: 0, action: "remove", host: "h1" },
        { slot: 0, action: "keep", host: "h1" },
      ],
    },
    {
      name: "an interrupted rollout's new pod, still starting next to the ready old one, goes; the slot is replaced afresh, health-gated",
      in: input({
        services: [service({ pod: v2, replicas: 1 })],
        placements: [{ group: "web", slot: 0, host: "h1" }],
        observed: [observed(v1, 0, "h1"), observed(v2, 0, "h1", { health: "starting" })],
      }),
      want: [
        { slot: 0, action: "remove", host: "h1" },
        { slot: 0, action: "replace", host: "h1" },
      ],
    },
    {
      name: "an interrupted rollout's new pod that is already healthy is kept, and the old one goes",
      in: input({
        services: [service({ pod: v2, replicas: 1 })],
        placements: [{ group: "web", slot: 0, host: "h1" }],
        observed: [observed(v1, 0, "h1"), observed(v2, 0, "h1")],
      }),
      want: [
        { slot: 0, action: "remove", host: "h1" },
        { slot: 0, action: "keep", host: "h1" },
      ],
    },
    {
      name: "a starting pod with nothing ready beside it is kept; its engine health check decides, and an unhealthy turn is healed",
      in: input({
        services: [service({ pod: v2, replicas: 1 })],
        placements: [{ group: "web", slot: 0, host: "h1" }],
        observed: [observed(v1, 0, "h1", { state: "exited", exitCode: 137 }), observed(v2, 0, "h1", { health: "starting" })],
      }),
      want: [
        { slot: 0, action: "remove", host: "h1" },
        { slot: 0, action: "keep", host: "h1" },
      ],
    },
    {
      name: "an unplaced slot is reported with the scheduler's reason, not thrown",
      in: input({
        placements: [0, 1].map((slot) => ({ group: "web", slot, host: `h${slot + 1}` })),
        unplaced: [{ group: "web", slots: [2], reason: "3 hosts: cpu exhausted (needs 4, most free 2)" }],
      }),
      want: [
        { slot: 0, action: "create", host: "h1" },
        { slot: 1, action: "create", host: "h2" },
        { slot: 2, action: "unplaced" },
      ],
    },
  ];

  for (const c of cases) {
    it(c.name, function () {
      const plan = diffFleet(c.in);
      const got = plan.services.flatMap((s) => actions(s.changes));
      assert.deepEqual(got, c.want);
      assert.equal(plan.summary.inSync, c.inSync ?? false);
    });
  }

  it("names the field-level reasons of a replacement, without env values", function () {
    const plan = diffFleet(input({ services: [service({ pod: v2, replicas: 1 })], placements: [{ group: "web", slot: 0, host: "h1" }], observed: [observed(v1, 0, "h1")] }));
    const change = plan.services[0]!.changes[0]!;
    assert.equal(change.action, "replace");
    assert.deepEqual(change.action === "replace" && change.reasons, ["image 127.0.0.1:5000/berth/app:v1 → 127.0.0.1:5000/berth/app:v2", "env LOG_LEVEL added"]);
    // Guards the assertion that could not fail (STYLE.md): the value itself must be absent from every reason.
    assert.ok(JSON.stringify(v2).includes("debug"), "the desired pod holds the value");
    assert.ok(!JSON.stringify(plan.services[0]!.changes).includes("debug"), "env values never appear in changes");
  });

  it("names a template parameter change", function () {
    const withShipper = (path: string, hash: string) =>
      pod({ specHash: hash, containers: [container(), container({ name: "log-shipper", template: "log-shipper", pattern: "sidecar", image: "toolbox", args: [`tail -F ${path}`] })] });
    const old = withShipper("/var/log/a", "h-a");
    const next = withShipper("/var/log/b", "h-b");
    const plan = diffFleet(
      input({
        services: [service({ pod: next, replicas: 1, uses: { "log-shipper": { path: "/var/log/b" } } })],
        placements: [{ group: "web", slot: 0, host: "h1" }],
        observed: [
          observed(old, 0, "h1", { pod: "p-old", labels: { "berth.spec": JSON.stringify(old), "berth.uses": JSON.stringify({ "log-shipper": { path: "/var/log/a" } }) } }),
          observed(old, 0, "h1", { pod: "p-old", container: "log-shipper", labels: {} }),
        ],
      }),
    );
    const change = plan.services[0]!.changes[0]!;
    assert.equal(change.action, "replace");
    assert.deepEqual(change.action === "replace" && change.reasons, ["template log-shipper: args changed", "template log-shipper: param path changed"]);
  });

  it("replaces stop-first, and says why, when a fixed host port would clash on the same host", function () {
    const fixed = (hash: string, image: string) => pod({ specHash: hash, ports: [{ name: "http", container: "main", containerPort: 8080, hostPort: 8080, protocol: "tcp" }], containers: [container({ image })] });
    const plan = diffFleet(
      input({
        services: [service({ pod: fixed("b", "app:v2"), replicas: 1 })],
        placements: [{ group: "web", slot: 0, host: "h1" }],
        observed: [observed(fixed("a", "app:v1"), 0, "h1")],
      }),
    );
    const change = plan.services[0]!.changes[0]!;
    assert.equal(change.action === "replace" && change.order, "stop-first");
    assert.match(change.action === "replace" ? change.orderReason ?? "" : "", /host port 8080 is held by the old pod on h1/);
  });

  it("builds waves of maxSurge + maxUnavailable slots: pulls, repairs, replacements, the replaced pods' removal, then removals", function () {
    const plan = diffFleet(
      input({
        services: [service({ pod: v2, replicas: 4, rollout: rollout({ maxSurge: 1, maxUnavailable: 1 }) })],
        placements: [0, 1, 2, 3].map((slot) => ({ group: "web", slot, host: `h${slot + 1}` })),
        observed: [observed(v1, 0, "h1"), observed(v1, 1, "h2"), observed(v1, 2, "h3"), observed(v2, 3, "h4", { state: "exited" }), observed(v1, 4, "h1")],
      }),
    );
    assert.deepEqual(
      plan.services[0]!.waves.map((w) => [w.slots, w.summary]),
      [
        [[], "pull 127.0.0.1:5000/berth/app:v2 on h1, h2, h3, h4"],
        [[3], "recreate slot 3"],
        // maxSurge 1: the wave's second slot spends the unavailability token, so it goes stop-first (the old waves said start-first).
        [[0, 1], "replace slots 0,1 (start-first/stop-first)"],
        [[2], "replace slot 2 (start-first)"],
        [[0, 1, 2], "remove the replaced pods of slots 0,1,2"],
        [[4], "remove slot 4"],
      ],
    );
    const slot1 = plan.services[0]!.changes.find((c) => c.slot === 1)!;
    assert.equal(slot1.action === "replace" && slot1.order, "stop-first");
    assert.match(slot1.action === "replace" ? (slot1.orderReason ?? "") : "", /surge budget \(maxSurge 1\) is spent/);
  });

  it("is deterministic: the same input gives the same plan", function () {
    const i = input({ services: [service({ pod: v2 })], observed: [observed(v1, 2, "h3"), observed(v1, 0, "h1"), observed(v1, 1, "h2")] });
    assert.deepEqual(diffFleet(i), diffFleet({ ...i, observed: [...i.observed].reverse() }));
  });
});
