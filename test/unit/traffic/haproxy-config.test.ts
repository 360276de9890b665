/**
 * The proxy's config as text (traffic/haproxy-config.ts): the frontends and
 * backends for a small case exactly, where it binds, and the digest line
 * that lets berth tell whether a proxy routes what it should.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { BOOT_CONFIG, renderProxyConfig, serverName, type ServiceRoutes } from "../../../reconciler/traffic/haproxy-config.ts";

/** The routes part of a config: from its first frontend (or listener) to the end. */
function routesPart(text: string): string {
  const lines = text.split("\n");
  return lines.slice(lines.findIndex((l) => /^(frontend|listen) /.test(l))).join("\n");
}

/** The global and defaults sections of a config (after its digest line, if any), without the admin socket line (named per config). */
function prelude(text: string): string[] {
  const lines = text.split("\n");
  const start = lines[0]!.startsWith("# berth routes ") ? 1 : 0;
  return lines.slice(start, lines.findIndex((l) => /^(frontend|listen) /.test(l))).filter((l) => !l.startsWith("  stats socket "));
}

/** The routes part a test expects, from its lines. */
function config(...body: string[]): string {
  return body.join("\n") + "\n";
}

const web: ServiceRoutes = {
  service: "web",
  expose: [
    { port: 18080, targetPort: "http", containerPort: 8080 },
    { port: 18443, targetPort: "https", containerPort: 8443 },
  ],
  backends: [
    { host: "h1", slot: 0, pod: "p0", address: "10.0.0.1", ports: { "8080": 32768, "8443": 32769 } },
    // Published only http: no server in the https backend.
    { host: "h2", slot: 1, pod: "p1", address: "10.0.0.2", ports: { "8080": 32800 } },
  ],
};
const cache: ServiceRoutes = { service: "cache", expose: [{ port: 16379, targetPort: "cache", containerPort: 6379 }], backends: [] };

describe("traffic: renderProxyConfig", () => {
  const cases: { name: string; routes: ServiceRoutes[]; binds: { address?: string; gateway?: string }; want: string }[] = [
    {
      name: "frontends bind on the host's address and its gateway; a server per backend that publishes the port",
      routes: [web],
      binds: { address: "10.0.0.1", gateway: "172.17.0.1" },
      want: config(
        "frontend web-18080",
        "  bind 10.0.0.1:18080",
        "  bind 172.17.0.1:18080",
        "  default_backend web-18080",
        "backend web-18080",
        "  balance roundrobin",
        "  server h1-s0-p0 10.0.0.1:32768 check",
        "  server h2-s1-p1 10.0.0.2:32800 check",
        "frontend web-18443",
        "  bind 10.0.0.1:18443",
        "  bind 172.17.0.1:18443",
        "  default_backend web-18443",
        "backend web-18443",
        "  balance roundrobin",
        "  server h1-s0-p0 10.0.0.1:32769 check",
      ),
    },
    {
      name: "no gateway: the address only; a service with no backend gets an empty backend",
      routes: [cache],
      binds: { address: "10.0.0.1" },
      want: config("frontend cache-16379", "  bind 10.0.0.1:16379", "  default_backend cache-16379", "backend cache-16379", "  balance roundrobin"),
    },
    {
      name: "a gateway equal to the address is bound once",
      routes: [cache],
      binds: { address: "10.0.0.1", gateway: "10.0.0.1" },
      want: config("frontend cache-16379", "  bind 10.0.0.1:16379", "  default_backend cache-16379", "backend cache-16379", "  balance roundrobin"),
    },
    {
      name: "an address that is not an IP (a name): every address, gateway included",
      routes: [cache],
      binds: { address: "engine.example", gateway: "172.17.0.1" },
      want: config("frontend cache-16379", "  bind :16379", "  default_backend cache-16379", "backend cache-16379", "  balance roundrobin"),
    },
    {
      name: "no address at all: every address",
      routes: [cache],
      binds: {},
      want: config("frontend cache-16379", "  bind :16379", "  default_backend cache-16379", "backend cache-16379", "  balance roundrobin"),
    },
    {
      name: "protocol http: both sides in http mode, and the backend sends again a request a vanished replica never answered",
      routes: [{ service: "api", expose: [{ port: 18080, targetPort: "http", containerPort: 8080, protocol: "http" }], backends: [{ host: "h1", slot: 0, pod: "p0", address: "10.0.0.1", ports: { "8080": 32768 } }] }],
      binds: { address: "10.0.0.1" },
      want: config(
        "frontend api-18080",
        "  bind 10.0.0.1:18080",
        "  mode http",
        "  default_backend api-18080",
        "backend api-18080",
        "  balance roundrobin",
        "  mode http",
        "  retry-on conn-failure empty-response response-timeout",
        "  server h1-s0-p0 10.0.0.1:32768 check",
      ),
    },
    {
      name: "no exposed service left: the boot listener keeps HAProxy running",
      routes: [],
      binds: { address: "10.0.0.1" },
      want: config("listen berth-boot", "  bind unix@/tmp/berth/boot.sock"),
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const text = renderProxyConfig(c.routes, c.binds);
      assert.equal(routesPart(text), c.want);
      assert.match(text.split("\n")[0]!, /^# berth routes [0-9a-f]{16}$/);
      // What comes before the routes is the same for every config.
      assert.deepEqual(prelude(text), prelude(renderProxyConfig([], {})));
      assert.deepEqual(prelude(text).slice(0, 5), ["global", "  maxconn 4096", "  hard-stop-after 30s", "  noreuseport", "defaults"]);
    });
  }

  it("services come in the order given, each port's frontend before its backend", () => {
    const text = renderProxyConfig([cache, web], { address: "10.0.0.1" });
    const sections = text.split("\n").filter((l) => /^(frontend|backend) /.test(l));
    assert.deepEqual(sections, ["frontend cache-16379", "backend cache-16379", "frontend web-18080", "backend web-18080", "frontend web-18443", "backend web-18443"]);
  });

  it("serverName says host, slot and pod", () => {
    assert.equal(serverName({ host: "edge-1", slot: 12, pod: "abc", address: "x", ports: {} }), "edge-1-s12-abc");
  });
});

describe("traffic: the digest line", () => {
  // The digest changes if and only if the body does: the same routes render the same line, any change to them another one.
  it("changes iff the rendered body changes (property)", () => {
    const backend = fc.record({
      host: fc.constantFrom("h1", "h2"),
      slot: fc.integer({ min: 0, max: 3 }),
      pod: fc.constantFrom("a", "b", "c"),
      address: fc.constantFrom("10.0.0.1", "10.0.0.2"),
      ports: fc.dictionary(fc.constantFrom("8080", "9090"), fc.integer({ min: 30000, max: 30003 })),
    });
    const routes = fc.array(
      fc.record({
        service: fc.constantFrom("web", "api"),
        expose: fc.array(fc.record({ port: fc.constantFrom(18080, 18081), targetPort: fc.constant("http"), containerPort: fc.constantFrom(8080, 9090) }), { minLength: 1, maxLength: 2 }),
        backends: fc.array(backend, { maxLength: 3 }),
      }),
      { maxLength: 2 },
    );
    const binds = fc.record({ address: fc.constantFrom("10.0.0.1", "name"), gateway: fc.constantFrom("172.17.0.1", "10.0.0.1") });
    fc.assert(
      fc.property(routes, binds, routes, binds, (r1, b1, r2, b2) => {
        const a = renderProxyConfig(r1, b1);
        const b = renderProxyConfig(r2, b2);
        const body = (t: string) => t.slice(t.indexOf("\n") + 1);
        const head = (t: string) => t.slice(0, t.indexOf("\n"));
        assert.equal(head(a) === head(b), body(a) === body(b));
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it("a backend's new host port changes the digest; rendering again does not", () => {
    const first = renderProxyConfig([web], { address: "10.0.0.1" });
    const again = renderProxyConfig([{ ...web, backends: [...web.backends] }], { address: "10.0.0.1" });
    const moved = renderProxyConfig([{ ...web, backends: [web.backends[0]!, { ...web.backends[1]!, ports: { "8080": 32801 } }] }], { address: "10.0.0.1" });
    const head = (t: string) => t.split("\n")[0];
    assert.equal(head(again), head(first));
    assert.notEqual(head(moved), head(first));
  });
});

describe("traffic: BOOT_CONFIG", () => {
  it("has no frontend and listens only on a unix socket", () => {
    assert.equal(routesPart(BOOT_CONFIG), "listen berth-boot\n  bind unix@/tmp/berth/boot.sock\n");
    assert.ok(!/^frontend /m.test(BOOT_CONFIG));
    assert.deepEqual(BOOT_CONFIG.split("\n").filter((l) => /^\s*bind /.test(l)), ["  bind unix@/tmp/berth/boot.sock"]);
  });

  it("global then defaults in tcp mode, and an admin socket that hands the listeners over on reload", () => {
    const head = prelude(BOOT_CONFIG);
    assert.equal(head[0], "global");
    assert.deepEqual(head.slice(head.indexOf("defaults"), head.indexOf("defaults") + 2), ["defaults", "  mode tcp"]);
    assert.match(BOOT_CONFIG, /^ {2}stats socket \S+ mode 600 level admin expose-fd listeners$/m);
  });

  it("has no digest line: a proxy still on its boot config is never in sync", () => {
    assert.ok(!BOOT_CONFIG.startsWith("# berth routes "));
  });
});
