import assert from "node:assert/strict";
import { leadershipLine } from "../../../reconciler/cli/status.ts";

describe("berth status: the leadership line", function () {
  const cases: { name: string; leadership?: Parameters<typeof leadershipLine>[0]["leadership"]; line: string | undefined }[] = [
    { name: "without --lock: none", leadership: { leader: true, instance: "m:1", lock: "local", holder: "m:1" }, line: undefined },
    { name: "the leader, since when", leadership: { leader: true, instance: "a", lock: "etcd://e:2379", holder: "a", since: "2026-12-02T10:00:00.000Z" }, line: "leader a (etcd://e:2379) since 2026-12-02T10:00:00.000Z" },
    { name: "a follower, naming the leader", leadership: { leader: false, instance: "b", lock: "etcd://e:2379", holder: "a", since: "2026-12-02T10:00:00.000Z", reason: "a leads" }, line: "follower b (etcd://e:2379): a leads since 2026-12-02T10:00:00.000Z; this instance writes nothing" },
    { name: "etcd unreachable: why", leadership: { leader: false, instance: "b", lock: "etcd://e:2379", reason: "etcd at etcd://e:2379 refused or did not answer (no answer within 2000 ms)" }, line: "follower b (etcd://e:2379): etcd at etcd://e:2379 refused or did not answer (no answer within 2000 ms); this instance writes nothing" },
  ];
  for (const c of cases) it(c.name, () => assert.equal(leadershipLine({ ...(c.leadership ? { leadership: c.leadership } : {}) }), c.line));
});
