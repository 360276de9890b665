/**
 * The engine create options for a pod's containers: main owns the network
 * namespace and publishes every pod port, template containers join it;
 * resources, names, health checks and secrets land where they should.
 */
import assert from "node:assert/strict";
import { containerName, createOptions, podVolumeName } from "../../../reconciler/docker/container-config.ts";
import type { PodLaunch } from "../../../reconciler/docker/types.ts";
import { container, pod } from "../plan/mock.ts";

const POD = "3f9a1c0b7d2e4a51";
const TOOLBOX = "127.0.0.1:5000/berth/toolbox:v1";

function launch(over: Partial<PodLaunch> = {}): PodLaunch {
  return {
    pod: POD,
    owner: "test-owner",
    commit: "c0ffee1",
    slot: 1,
    spec: pod({
      containers: [
        container({ env: { LOG_LEVEL: "debug" }, resources: { cpu: 0.5, memoryBytes: 128 * 2 ** 20 } }),
        container({ name: "log-shipper", template: "shipper", pattern: "sidecar", image: TOOLBOX, command: ["sh", "-c"], args: ["tail -f /logs/app.log"], volumeMounts: [{ volume: "logs", mountPath: "/logs", readOnly: true }] }),
      ],
      ports: [
        { name: "http", container: "main", containerPort: 8080, protocol: "tcp", hostPort: 18080 },
        { name: "metrics", container: "log-shipper", containerPort: 9100, protocol: "udp" },
      ],
      volumes: [{ name: "logs", source: { kind: "pod" } }],
      stopGracePeriodMs: 2500,
    }),
    hostIp: "127.0.0.11",
    ...over,
  };
}

describe("hosts: container create options", () => {
  it("names are readable and unique per pod: <group>-<slot>-<pod id short>[-<container>]", () => {
    const l = launch();
    assert.equal(containerName(l.spec, 1, POD, "main"), "web-1-3f9a1c");
    assert.equal(containerName(l.spec, 1, POD, "log-shipper"), "web-1-3f9a1c-log-shipper");
    assert.equal(createOptions(l, l.spec.containers[0]!).name, "web-1-3f9a1c");
  });

  it("main publishes every pod port, template containers' included, bound to the host address", () => {
    const l = launch();
    const o = createOptions(l, l.spec.containers[0]!);
    assert.deepEqual(o.ExposedPorts, { "8080/tcp": {}, "9100/udp": {} });
    assert.deepEqual(o.HostConfig?.PortBindings, {
      "8080/tcp": [{ HostIp: "127.0.0.11", HostPort: "18080" }],
      "9100/udp": [{ HostIp: "127.0.0.11", HostPort: "" }],
    });
    assert.equal(o.HostConfig?.NetworkMode, "bridge");
  });

  it("a template container joins main's network namespace and publishes nothing itself", () => {
    const l = launch();
    const o = createOptions(l, l.spec.containers[1]!, "mainid123");
    assert.equal(o.HostConfig?.NetworkMode, "container:mainid123");
    assert.equal(o.ExposedPorts, undefined);
    assert.equal(o.HostConfig?.PortBindings, undefined);
    assert.deepEqual(o.Entrypoint, ["sh", "-c"]);
    assert.deepEqual(o.Cmd, ["tail -f /logs/app.log"]);
  });

  it("resources become NanoCpus and Memory; the grace period becomes StopTimeout", () => {
    const l = launch();
    const o = createOptions(l, l.spec.containers[0]!);
    assert.equal(o.HostConfig?.NanoCpus, 500_000_000);
    assert.equal(o.HostConfig?.Memory, 128 * 2 ** 20);
    assert.equal(o.StopTimeout, 3);
  });

  it("a pod-private volume is an engine volume named after the pod", () => {
    const l = launch();
    assert.deepEqual(createOptions(l, l.spec.containers[1]!, "m").HostConfig?.Binds, [`${podVolumeName(POD, "logs")}:/logs:ro`]);
    assert.equal(podVolumeName(POD, "logs"), `berth-${POD}-logs`);
  });

  it("secret values go into the environment only, never into labels", () => {
    const l = launch({ secretValues: { main: { DB_PASSWORD: "hunter2-secret" } } });
    const o = createOptions(l, l.spec.containers[0]!);
    assert.deepEqual(o.Env, ["LOG_LEVEL=debug", "DB_PASSWORD=hunter2-secret"]);
    assert.ok(!JSON.stringify(o.Labels).includes("hunter2-secret"));
    assert.deepEqual(createOptions(l, l.spec.containers[1]!, "m").Env, [], "secrets of main are not handed to the sidecar");
  });

  const health: { name: string; check: PodLaunch["spec"]["health"]; want: unknown }[] = [
    { name: "image: the image's own HEALTHCHECK is kept", check: { kind: "image" }, want: undefined },
    { name: "http: probed by berth from outside", check: { kind: "http", path: "/healthz", port: 8080, scheme: "http", intervalMs: 1000, timeoutMs: 500, retries: 3, startPeriodMs: 0 }, want: undefined },
    {
      name: "exec: run by the engine, durations in nanoseconds",
      check: { kind: "exec", command: ["sh", "-c", "test -f /ready"], intervalMs: 2000, timeoutMs: 1000, retries: 4, startPeriodMs: 5000 },
      want: { Test: ["CMD", "sh", "-c", "test -f /ready"], Interval: 2e9, Timeout: 1e9, Retries: 4, StartPeriod: 5e9 },
    },
  ];
  for (const c of health) {
    it(`health check ${c.name}`, () => {
      const l = launch({ spec: pod({ health: c.check }) });
      assert.deepEqual(createOptions(l, l.spec.containers[0]!).Healthcheck, c.want);
    });
  }

  it("without a host address, ports bind to all of the engine's addresses", () => {
    const { hostIp: _bound, ...rest } = launch();
    const o = createOptions(rest, rest.spec.containers[0]!);
    assert.equal(o.HostConfig?.PortBindings?.["8080/tcp"]?.[0]?.HostIp, "");
  });
});
