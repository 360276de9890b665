/**
 * A start-first slot whose pod holds no fixed host port stops its old pod
 * in the background: the next wave starts as soon as that stop has begun
 * (issue 15: each stop took about 0.3 s of every wave on the bed's engine).
 * The plan says so, in its data and in both printers, because apply does
 * exactly what the steps say.
 */
import assert from "node:assert/strict";
import { diffFleet } from "../../../reconciler/plan/diff.ts";
import { formatPlanMarkdown } from "../../../reconciler/plan/format-markdown.ts";
import { formatPlanText } from "../../../reconciler/plan/format-text.ts";
import type { Plan, Track } from "../../../reconciler/plan/types.ts";
import { container, input, observed, pod, rollout, service } from "./mock.ts";

const hostPort = { ports: [{ name: "http", container: "main", containerPort: 8080, hostPort: 8080, protocol: "tcp" as const }] };

function replaceTracks(plan: Plan): Track[] {
  return plan.services[0]!.waves.filter((w) => w.kind === "replace").flatMap((w) => w.tracks);
}

function planFor(opts: { pod?: Parameters<typeof pod>[0]; order?: "start-first" | "stop-first"; moved?: boolean }): Plan {
  const v1 = pod({ ...opts.pod });
  const v2 = pod({ ...opts.pod, specHash: "hash-v2", containers: [container({ image: "127.0.0.1:5000/berth/app:v2" })] });
  return diffFleet(
    input({
      services: [service({ pod: v2, replicas: 2, rollout: rollout({ maxSurge: 1, maxUnavailable: opts.order === "stop-first" ? 1 : 0, order: opts.order ?? "start-first" }) })],
      placements: [0, 1].map((slot) => ({ group: "web", slot, host: opts.moved ? `h${slot + 2}` : `h${slot + 1}` })),
      observed: [observed(v1, 0, "h1"), observed(v1, 1, "h2")],
    }),
  );
}

const stopOf = (t: Track) => t.steps.find((s) => s.verb === "stop");

describe("plan: stops in the background", function () {
  it("start-first without a fixed host port: each replaced pod's stop is in the background, the last step of its track", function () {
    const tracks = replaceTracks(planFor({ pod: { ports: [] } }));
    assert.equal(tracks.length, 2);
    for (const t of tracks) {
      assert.equal(t.strategy, "start-first");
      assert.deepEqual(t.steps.map((s) => s.verb), ["launch", "gate", "stop"]);
      assert.equal(stopOf(t)?.background, true);
    }
  });

  it("a pod with a fixed host port waits for its stop, also where it moves to another host (a later pod may need the port there)", function () {
    for (const t of replaceTracks(planFor({ pod: hostPort, moved: true }))) {
      assert.equal(t.strategy, "start-first");
      assert.equal(stopOf(t)?.background, undefined);
    }
  });

  it("stop-first waits for the stop: the new pod is launched only after it", function () {
    for (const t of replaceTracks(planFor({ pod: { ports: [] }, order: "stop-first" }))) {
      assert.deepEqual(t.steps.map((s) => s.verb), ["stop", "launch", "gate"]);
      assert.equal(stopOf(t)?.background, undefined);
    }
  });

  it("both printers say which stop is in the background and what that means", function () {
    const plan = planFor({ pod: { ports: [] } });
    const text = formatPlanText(plan, { color: false });
    assert.match(text, /slot 0 on h1, start-first: launch, gate, stop pod p-\w+ in the background/);
    assert.match(text, /A stop in the background lets the next wave start as soon as it has begun; the wave after that one waits for it to end, and the replaced pods are removed once every stop has ended\./);
    const md = formatPlanMarkdown(plan);
    assert.match(md, /stop pod `p-\w+` in the background/);
    assert.match(md, /a stop in the background lets the next wave start as soon as it has begun/);
  });

  it("a plan without one says nothing about it", function () {
    const text = formatPlanText(planFor({ pod: hostPort }), { color: false });
    assert.doesNotMatch(text, /background/);
  });
});
