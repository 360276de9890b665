/**
 * A pod that names a service address carries `host.berth.internal:host-gateway`
 * in its spec; the engine gets it as ExtraHosts on main alone. Containers
 * that join main's network namespace (`container:<id>`) share its
 * /etc/hosts, and the engine refuses ExtraHosts on them.
 */
import assert from "node:assert/strict";
import { createOptions } from "../../../reconciler/docker/container-config.ts";
import type { PodLaunch } from "../../../reconciler/docker/types.ts";
import type { PodSpec } from "../../../reconciler/model/pod.ts";
import { HOST_ALIAS_ENTRY } from "../../../reconciler/templates/service-addresses.ts";
import { container, pod } from "../plan/mock.ts";

function launch(over: Partial<PodSpec>): PodLaunch {
  return {
    pod: "3f9a1c0b7d2e4a51",
    owner: "test-owner",
    commit: "c0ffee1",
    slot: 0,
    spec: pod({ containers: [container(), container({ name: "cache-ambassador", template: "cache-ambassador", pattern: "ambassador" })], ...over }),
  };
}

describe("docker: extra hosts", () => {
  const cases: { name: string; over: Partial<PodSpec>; main: string[] | undefined }[] = [
    { name: "a bridge pod that names an address: on main", over: { extraHosts: [HOST_ALIAS_ENTRY] }, main: ["host.berth.internal:host-gateway"] },
    { name: "a host-network pod that names an address: on main too (host-gateway is the bridge gateway, where the proxy answers)", over: { network: "host", extraHosts: [HOST_ALIAS_ENTRY] }, main: ["host.berth.internal:host-gateway"] },
    { name: "a pod that names none: no ExtraHosts at all", over: {}, main: undefined },
    { name: "an empty list is no ExtraHosts", over: { extraHosts: [] }, main: undefined },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const l = launch(c.over);
      const [main, ambassador] = l.spec.containers;
      const mainHost = createOptions(l, main!).HostConfig;
      assert.deepEqual(mainHost?.ExtraHosts, c.main);
      if (c.main === undefined) assert.ok(!("ExtraHosts" in (mainHost ?? {})));
      const joined = createOptions(l, ambassador!, "main-id").HostConfig;
      assert.equal(joined?.NetworkMode, "container:main-id");
      assert.ok(!("ExtraHosts" in (joined ?? {})), "a joined container shares main's /etc/hosts");
    });
  }
});
