/**
 * ProxyRouter (traffic/router.ts) against recording fake hosts: what it
 * pushes into which proxy, and when it does not.
 */
import assert from "node:assert/strict";
import { HostUnreachableError } from "../../../reconciler/docker/errors.ts";
import type { DockerHost } from "../../../reconciler/docker/types.ts";
import type { Plan, PlanBackend, PlanChange, PodRef, ProxyPlan, ServicePlan } from "../../../reconciler/plan/types.ts";
import { CONFIG_FILE, renderProxyConfig, type ServiceRoutes } from "../../../reconciler/traffic/haproxy-config.ts";
import { PROXY_SERVICE } from "../../../reconciler/traffic/proxy-service.ts";
import { ProxyRouter, ProxySyncError } from "../../../reconciler/traffic/router.ts";

/** The config a push carried: the script's arguments after the admin socket, in pieces joined again. */
const configOf = (e: { readonly command: readonly string[] }): string => e.command.slice(5).join("");
import { FakeFleet, fakeClock, type FakeExec } from "../../support/fake-host.ts";

const HOSTS = ["h1", "h2", "h3"];
const EXPOSE = [{ port: 18080, targetPort: "http", containerPort: 8080 }] as const;
const DRAIN_MS = 1_500;

const proxyRef = (host: string, slot: number): PodRef => ({
  host,
  pod: `px-${host}`,
  slot,
  specHash: "proxy",
  commit: "c",
  status: "running",
  containers: [{ id: `px-${host}-main`, name: `berth-proxy-${slot}`, container: "main" }],
});

const old0: PlanBackend = { host: "h1", slot: 0, pod: "old0", address: "10.0.0.1", ports: { "8080": 31000 } };

/** A plan whose web service has one serving pod (old0 on h1), with a running proxy on every host in the state given. */
function planWith(states: Readonly<Record<string, ProxyPlan["routes"]>>): Plan {
  const web: ServicePlan = { name: "web", kind: "service", replicas: 1, expose: EXPOSE, changes: [], waves: [] };
  const proxy: ServicePlan = {
    name: PROXY_SERVICE,
    kind: "service",
    replicas: HOSTS.length,
    changes: HOSTS.map((h, slot): PlanChange => ({ action: "keep", slot, host: h, from: proxyRef(h, slot) })),
    waves: [],
  };
  return {
    apiVersion: "berth/v1",
    kind: "Plan",
    owner: "o",
    commit: "c2",
    createdAt: new Date(0).toISOString(),
    hosts: HOSTS.map((name) => ({ name, state: "ready" })),
    services: [proxy, web],
    jobs: [],
    traffic: {
      services: [{ service: "web", expose: EXPOSE, backends: [old0] }],
      proxies: HOSTS.map((h) => ({ host: h, routes: states[h] ?? "in-sync", pod: `px-${h}` })),
    },
    warnings: [],
    summary: { create: 0, replace: 0, resize: 0, recreate: 0, remove: 0, keep: 0, unplaced: 0, unknown: 0, jobs: { create: 0, update: 0, remove: 0, keep: 0 }, complete: true, unobserved: [], inSync: false },
  };
}

interface Setup {
  readonly fleet: FakeFleet;
  readonly router: ProxyRouter;
  readonly clock: ReturnType<typeof fakeClock>;
  readonly skipped: [string, string][];
}

function setup(states: Readonly<Record<string, ProxyPlan["routes"]>> = {}, hostsOf?: (fleet: FakeFleet) => Map<string, DockerHost>): Setup {
  const fleet = new FakeFleet();
  HOSTS.forEach((h, i) => {
    fleet.addresses.set(h, `10.0.0.${i + 1}`);
    fleet.gateways.set(h, "172.17.0.1");
  });
  const clock = fakeClock(1_000);
  const skipped: [string, string][] = [];
  const hosts = hostsOf?.(fleet) ?? new Map(HOSTS.map((h): [string, DockerHost] => [h, fleet.host(h)]));
  const router = new ProxyRouter(planWith(states), { hosts, clock, drainDelayMs: DRAIN_MS, onSkipped: (h, why) => skipped.push([h, why]) });
  return { fleet, router, clock, skipped };
}

/** What a push to `host` carries for these backends of web. */
function configFor(host: string, backends: readonly PlanBackend[]): string {
  const routes: ServiceRoutes[] = [{ service: "web", expose: EXPOSE, backends }];
  return renderProxyConfig(routes, { address: `10.0.0.${host.slice(1)}`, gateway: "172.17.0.1" });
}

/** The config each push carried, as `host → config`, in order. */
const pushes = (execs: readonly FakeExec[]) => execs.map((e) => [e.host, configOf(e)] as const);

const new1 = { host: "h2", slot: 1, pod: "new1", ports: [{ containerPort: 8080, protocol: "tcp" as const, hostIp: "0.0.0.0", hostPort: 31001 }] };
const new1Backend: PlanBackend = { host: "h2", slot: 1, pod: "new1", address: "10.0.0.2", ports: { "8080": 31001 } };

describe("traffic: ProxyRouter", () => {
  it("start() pushes the plan's routes only to the proxies that are not in sync", async () => {
    const { fleet, router } = setup({ h2: "differs", h3: "unreadable" });
    await router.start();
    assert.deepEqual(pushes(fleet.execs), [
      ["h2", configFor("h2", [old0])],
      ["h3", configFor("h3", [old0])],
    ]);
    assert.deepEqual(fleet.execs.map((e) => e.id), ["px-h2-main", "px-h3-main"]);
  });

  it("start() with every proxy in sync pushes nothing", async () => {
    const { fleet, router } = setup();
    await router.start();
    assert.deepEqual(fleet.execs, []);
  });

  it("route() pushes to every proxy a config with the new server at the engine's port, on the host's address", async () => {
    const { fleet, router } = setup();
    await router.route("web", new1);
    assert.deepEqual(pushes(fleet.execs), HOSTS.map((h) => [h, configFor(h, [old0, new1Backend])]));
    for (const e of fleet.execs) assert.ok(configOf(e).includes("  server h2-s1-new1 10.0.0.2:31001 check\n"), `${e.host} routes new1`);
  });

  it("drain() takes the pod out of every proxy and then waits the drain delay", async () => {
    const { fleet, router, clock } = setup();
    let pushedAt = -1;
    fleet.onExec = () => {
      pushedAt = clock.now();
      return undefined;
    };
    await router.drain("web", "old0", true);
    assert.deepEqual(pushes(fleet.execs), HOSTS.map((h) => [h, configFor(h, [])]));
    for (const e of fleet.execs) assert.ok(!configOf(e).includes("old0"), `${e.host} no longer routes old0`);
    assert.equal(pushedAt, 1_000, "pushed before the wait");
    assert.equal(clock.now(), 1_000 + DRAIN_MS);
  });

  it("drain() without wait does not wait; a pod that is not routed is neither pushed nor waited for", async () => {
    const { fleet, router, clock } = setup();
    await router.drain("web", "old0", false);
    assert.equal(clock.now(), 1_000);
    assert.equal(fleet.execs.length, 3);
    await router.drain("web", "old0", true);
    await router.drain("web", "never-routed", true);
    await router.drain("not-exposed", "old0", true);
    assert.equal(clock.now(), 1_000);
    assert.equal(fleet.execs.length, 3);
  });

  it("the same routes twice: no second push", async () => {
    const { fleet, router } = setup();
    await router.route("web", new1);
    await router.route("web", new1);
    assert.equal(fleet.execs.length, HOSTS.length);
  });

  it("routes that come back to what was pushed before are pushed again (the proxy has the newer ones)", async () => {
    const { fleet, router } = setup();
    await router.route("web", new1);
    await router.drain("web", "new1", false);
    assert.deepEqual(pushes(fleet.execs).slice(3), HOSTS.map((h) => [h, configFor(h, [old0])]));
  });

  it("a route for a service the proxies do not route, or a pod without a tcp port, pushes nothing", async () => {
    const { fleet, router } = setup();
    assert.equal(router.routes("web"), true);
    assert.equal(router.routes("api"), false);
    await router.route("api", new1);
    await router.route("web", { ...new1, ports: [{ containerPort: 8080, protocol: "udp", hostIp: "0.0.0.0", hostPort: 31001 }] });
    await router.route("web", { ...new1, host: "h9" });
    assert.deepEqual(fleet.execs, []);
  });

  it("a proxy whose host does not answer is skipped (onSkipped) for the rest of the apply, the others still get the push", async () => {
    const { fleet, router, skipped } = setup();
    fleet.onExec = (e) => {
      if (e.host === "h2") throw new HostUnreachableError({ host: "h2", endpoint: "unix:///fake/h2.sock", cause: "exec: connect ENOENT" });
      return undefined;
    };
    await router.route("web", new1);
    assert.deepEqual(fleet.execs.map((e) => e.host), ["h1", "h2", "h3"]);
    assert.equal(skipped.length, 1);
    assert.equal(skipped[0]![0], "h2");
    assert.match(skipped[0]![1], /h2/);
    // The skipped proxy is left out of the rest of the apply (each push would wait for its engine again); the next plan takes it up.
    fleet.onExec = undefined;
    await router.drain("web", "new1", false);
    assert.deepEqual(fleet.execs.slice(3).map((e) => e.host), ["h1", "h3"]);
  });

  it("an exec that fails in a way berth does not know (a proxy container gone) is a ProxySyncError, the world's fault, not a bug", async () => {
    const { fleet, router } = setup();
    fleet.onExec = (e) => {
      if (e.host === "h2") throw new Error("(HTTP code 409) container is not running");
      return undefined;
    };
    await assert.rejects(router.route("web", new1), (err: unknown) => {
      assert.ok(err instanceof ProxySyncError);
      assert.equal(err.reaction, "retry");
      assert.match(err.message, /h2.*container is not running/);
      return true;
    });
  });

  it("an exec that exits non-zero is a ProxySyncError naming the host and the output", async () => {
    const { fleet, router } = setup();
    fleet.onExec = (e) => (e.host === "h3" ? { exitCode: 1, output: "[ALERT] config : parsing error\n" } : undefined);
    await assert.rejects(router.route("web", new1), (err: unknown) => {
      assert.ok(err instanceof ProxySyncError);
      assert.equal(err.code, "proxy-sync-failed");
      assert.equal(err.reaction, "retry");
      assert.deepEqual(err.data, { host: "h3", detail: "exit code 1: [ALERT] config : parsing error" });
      return true;
    });
    // h3 did not take it: the same routes are pushed to it again, and only to it.
    fleet.onExec = undefined;
    await router.route("web", new1);
    assert.deepEqual(fleet.execs.slice(3).map((e) => e.host), ["h3"]);
  });

  it("the config travels as arguments after the script and the admin socket, never inside the shell script", async () => {
    const { fleet, router } = setup();
    // A config that a shell would expand if it were interpolated.
    await router.route("web", { ...new1, pod: "$(touch /tmp/pwned)'\"`x`" });
    const e = fleet.execs[0]!;
    const config = configFor("h1", [old0, { ...new1Backend, pod: "$(touch /tmp/pwned)'\"`x`" }]);
    // sh -c SCRIPT sh SOCKET CONFIG…: the socket is $1, the config the rest, joined by printf '%s' "$@".
    assert.deepEqual([e.command[0], e.command[1], e.command[3], configOf(e)], ["/bin/sh", "-c", "sh", config]);
    assert.match(e.command[4]!, /^\/tmp\/berth\/admin-[0-9a-f]{16}\.sock$/);
    const script = e.command[2]!;
    assert.ok(script.includes(`printf '%s' "$@"`), "the script writes its remaining arguments");
    assert.ok(script.includes(CONFIG_FILE));
    assert.ok(![script, e.command[4]!].some((a) => a.includes("frontend") || a.includes("pwned")), "no part of the config is in the script or the socket argument");
  });

  it("a config over Linux's 128 KiB limit for one argument is passed in pieces that join to it", async () => {
    const { fleet, router } = setup();
    const pad = "x".repeat(80);
    for (let i = 0; i < 1300; i++) await router.route("web", { host: "h1", slot: 100 + i, pod: `bulk${i}${pad}`, ports: [{ containerPort: 8080, protocol: "tcp", hostIp: "10.0.0.1", hostPort: 40000 + i }] });
    const e = fleet.execs.at(-1)!;
    const pieces = e.command.slice(5);
    assert.ok(configOf(e).length > 128 * 1024, `the config is ${configOf(e).length} bytes`);
    assert.ok(pieces.length > 1 && pieces.every((p) => p.length < 128 * 1024), pieces.map((p) => p.length).join(","));
    assert.ok(configOf(e).includes(`  server h1-s1399-bulk1299${pad} 10.0.0.1:41299 check\n`));
  });


  it("proxyDown: nothing more is pushed to that host; proxyUp: the new proxy gets every route, alone", async () => {
    const { fleet, router } = setup();
    router.proxyDown("h2");
    await router.route("web", new1);
    assert.deepEqual(fleet.execs.map((e) => e.host), ["h1", "h3"]);
    await router.proxyUp("h2", "px2-new-main");
    assert.deepEqual(fleet.execs.slice(2).map((e) => [e.host, e.id, configOf(e)]), [["h2", "px2-new-main", configFor("h2", [old0, new1Backend])]]);
  });

  it("changes made at once: pushes to one proxy run one at a time, and the last carries every change", async () => {
    let running = 0;
    let most = 0;
    const { fleet, router } = setup({}, (f) => {
      const slow = (h: string): DockerHost => {
        const base = f.host(h);
        return Object.assign(Object.create(base) as DockerHost, {
          exec: async (id: string, cmd: readonly string[], t: number) => {
            running++;
            most = Math.max(most, running);
            await new Promise((r) => setTimeout(r, 2));
            running--;
            return base.exec(id, cmd, t);
          },
        });
      };
      return new Map([["h1", slow("h1")]]);
    });
    const new2 = { host: "h1", slot: 2, pod: "new2", ports: [{ containerPort: 8080, protocol: "tcp" as const, hostIp: "0.0.0.0", hostPort: 31002 }] };
    // Only h1 is known to this router's hosts: the other proxies have no DockerHost and are not pushed.
    await Promise.all([router.route("web", { ...new1, host: "h1" }), router.route("web", new2)]);
    assert.equal(most, 1);
    const last = configOf(fleet.execs.at(-1)!);
    assert.ok(last.includes("h1-s1-new1") && last.includes("h1-s2-new2"), "the last push has both new pods");
  });
});
