/**
 * berth's ownership labels (DESIGN §4) as written on a pod's containers and
 * the list filter that reads them back.
 */
import assert from "node:assert/strict";
import { podLabels } from "../../../reconciler/docker/container-config.ts";
import { LABEL, ownerFilter } from "../../../reconciler/docker/labels.ts";
import type { PodLaunch } from "../../../reconciler/docker/types.ts";
import { container, pod } from "../plan/mock.ts";

const OWNER = "https://git.example.com/ops/fleet.git#prod";

function launch(over: Partial<PodLaunch> = {}): PodLaunch {
  return {
    pod: "3f9a1c0b7d2e4a51",
    owner: OWNER,
    commit: "c0ffee1",
    slot: 2,
    spec: pod({
      labels: { team: "payments" },
      containers: [container(), container({ name: "log-shipper", template: "shipper", pattern: "sidecar", image: "127.0.0.1:5000/berth/toolbox:v1" })],
      specHash: "0123456789abcdef",
    }),
    ...over,
  };
}

describe("hosts: labels", () => {
  it("the owner filter asks for managed containers of exactly this owner", () => {
    assert.deepEqual(ownerFilter(OWNER), ["berth.managed=true", `berth.owner=${OWNER}`]);
  });

  const cases: { name: string; launch: () => PodLaunch; container: string; want: Record<string, string | undefined> }[] = [
    {
      name: "main container of a service",
      launch: () => launch(),
      container: "main",
      want: {
        [LABEL.managed]: "true",
        [LABEL.owner]: OWNER,
        [LABEL.service]: "web",
        [LABEL.job]: undefined,
        [LABEL.slot]: "2",
        [LABEL.container]: "main",
        [LABEL.specHash]: "0123456789abcdef",
        [LABEL.commit]: "c0ffee1",
        [LABEL.pod]: "3f9a1c0b7d2e4a51",
        team: "payments",
      },
    },
    {
      name: "template container: same pod id, its own container name, no spec copy",
      launch: () => launch(),
      container: "log-shipper",
      want: { [LABEL.container]: "log-shipper", [LABEL.pod]: "3f9a1c0b7d2e4a51", [LABEL.service]: "web", [LABEL.spec]: undefined, [LABEL.uses]: undefined },
    },
    {
      name: "a job is labelled berth.job, not berth.service",
      launch: () => launch({ spec: pod({ name: "backup", kind: "job" }) }),
      container: "main",
      want: { [LABEL.job]: "backup", [LABEL.service]: undefined },
    },
    {
      // A user label must never pass for berth's own: the loader refuses berth.* user labels,
      // and the adapter writes its own after the user's so they win regardless.
      name: "berth's labels win over user labels of the same key",
      launch: () => launch({ spec: pod({ labels: { [LABEL.owner]: "someone-else", [LABEL.managed]: "false" } }) }),
      container: "main",
      want: { [LABEL.owner]: OWNER, [LABEL.managed]: "true" },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const labels = podLabels(c.launch(), c.container);
      for (const [key, value] of Object.entries(c.want)) assert.equal(labels[key], value, `label ${key}`);
    });
  }

  it("the main container carries the spec as JSON so a later plan can say what changed", () => {
    const l = launch();
    assert.deepEqual(JSON.parse(podLabels(l, "main")[LABEL.spec]!), l.spec);
  });
});
