/**
 * The spec hash decides whether a running container is replaced, so it must
 * follow meaning, not spelling: key order, defaults written out and
 * equivalent quantities never change it; a real change always does.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { stringify } from "yaml";
import { loadFleet } from "../../../reconciler/load/load-fleet.ts";
import { canonicalJson, podSpecHash, SPEC_HASH_LENGTH } from "../../../reconciler/templates/spec-hash.ts";
import { HOSTS, TAIL_TEMPLATE } from "../load/fleet-files.ts";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** What the generator varies: the fields of a service that reach its pod. */
interface Shape {
  image: string;
  env: Record<string, string>;
  ports: number[];
  cpu: number | null;
  memoryMi: number | null;
  health: boolean;
  tail: { lines: number | null } | null;
  secrets: string[];
  labels: Record<string, string>;
  stopGraceSeconds: number | null;
}

const shapeArb: fc.Arbitrary<Shape> = fc.record({
  image: fc.constantFrom("app:v1", "app:v2", "127.0.0.1:5000/berth/app:v1"),
  // Env names start with E and secret names with S: one variable may not have both sources.
  env: fc.dictionary(fc.stringMatching(/^E[A-Z0-9_]{0,5}$/), fc.string({ maxLength: 6 }), { maxKeys: 4 }),
  ports: fc.uniqueArray(fc.integer({ min: 1024, max: 9000 }), { minLength: 1, maxLength: 3 }),
  cpu: fc.option(fc.constantFrom(0.1, 0.25, 0.5)),
  memoryMi: fc.option(fc.constantFrom(64, 128, 256)),
  health: fc.boolean(),
  tail: fc.option(fc.record({ lines: fc.option(fc.constantFrom(10, 20)) })),
  secrets: fc.uniqueArray(fc.stringMatching(/^S[A-Z0-9_]{0,5}$/), { maxLength: 3 }),
  labels: fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), fc.stringMatching(/^[a-z0-9]{0,6}$/), { maxKeys: 3 }),
  stopGraceSeconds: fc.option(fc.constantFrom(5, 10, 30)),
});

/** The first port is `http`, which the tail template refers to. */
const portName = (s: Shape, p: number): string => (p === s.ports[0] ? "http" : `p${p}`);

/** The service as a user writes it: only what differs from the defaults. */
function terse(s: Shape): Json {
  const spec: Record<string, Json> = { image: s.image, ports: s.ports.map((p) => ({ name: portName(s, p), containerPort: p })) };
  if (Object.keys(s.env).length > 0) spec["env"] = s.env;
  if (s.cpu !== null || s.memoryMi !== null) {
    spec["resources"] = { ...(s.cpu === null ? {} : { cpu: s.cpu }), ...(s.memoryMi === null ? {} : { memory: `${s.memoryMi}Mi` }) };
  }
  if (s.health) spec["health"] = { http: { port: "http" } };
  if (s.secrets.length > 0) spec["secretEnv"] = s.secrets.map((name) => ({ name, fromEnv: `SRC_${name}` }));
  if (Object.keys(s.labels).length > 0) spec["labels"] = s.labels;
  if (s.stopGraceSeconds !== null) spec["stopGracePeriod"] = `${s.stopGraceSeconds}s`;
  if (s.tail !== null) {
    spec["volumes"] = [{ name: "logs", mountPath: "/logs" }];
    spec["uses"] = [{ template: "tail", with: { path: "/logs", ...(s.tail.lines === null ? {} : { lines: s.tail.lines }) } }];
  }
  return { apiVersion: "berth/v1", kind: "Service", metadata: { name: "svc" }, spec };
}

/** The same service with every default written out and quantities spelled differently. */
function explicit(s: Shape): Json {
  const doc = terse(s) as { spec: Record<string, Json> };
  const spec = doc.spec;
  spec["ports"] = s.ports.map((p) => ({ name: portName(s, p), containerPort: p, protocol: "tcp" }));
  spec["resources"] = { cpu: s.cpu ?? 0.1, memory: String((s.memoryMi ?? 64) * 1024 * 1024) };
  spec["health"] = s.health
    ? { http: { port: s.ports[0] ?? 0, path: "/", scheme: "http" }, interval: "5000ms", timeout: "2s", retries: 3, startPeriod: "0s" }
    : { image: true };
  spec["stopGracePeriod"] = `${(s.stopGraceSeconds ?? 10) * 1000}ms`;
  spec["privileged"] = false;
  spec["hostNetwork"] = false;
  spec["labels"] = s.labels;
  spec["env"] = s.env;
  spec["secretEnv"] = [...s.secrets].reverse().map((name) => ({ name, fromEnv: `SRC_${name}` }));
  if (s.tail !== null) {
    spec["volumes"] = [{ name: "logs", mountPath: "/logs", readOnly: false }];
    spec["uses"] = [{ template: "tail", with: { path: "/logs", lines: s.tail.lines ?? 10 } }];
  }
  return doc as unknown as Json;
}

/** A copy with every object's keys in an order drawn from `seed`. */
function shuffleKeys(value: Json, seed: number): Json {
  let state = seed >>> 0 || 1;
  const next = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state;
  };
  const walk = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== "object") return v;
    const entries = Object.entries(v).map(([k, x]) => [k, walk(x)] as const);
    for (let i = entries.length - 1; i > 0; i--) {
      const j = next() % (i + 1);
      [entries[i], entries[j]] = [entries[j] as (typeof entries)[number], entries[i] as (typeof entries)[number]];
    }
    return Object.fromEntries(entries);
  };
  return walk(value);
}

function hashOf(doc: Json): string {
  const result = loadFleet({
    files: [
      { path: "hosts.yaml", content: HOSTS },
      { path: "tail.yaml", content: TAIL_TEMPLATE },
      { path: "svc.yaml", content: stringify(doc) },
    ],
  });
  if (!result.ok) throw new Error(`fixture does not load: ${JSON.stringify(result.diagnostics)}`);
  const pod = result.fleet.services[0]?.pod;
  if (pod === undefined) throw new Error("no pod");
  return pod.specHash;
}

describe("spec hash", () => {
  it("is 16 hex characters", () => {
    assert.equal(SPEC_HASH_LENGTH, 16);
    assert.match(podSpecHash({ name: "a", kind: "service" } as never), /^[0-9a-f]{16}$/);
  });

  it("canonical JSON sorts keys at every level and drops undefined", () => {
    assert.equal(canonicalJson({ b: 1, a: [2, { d: 3, c: undefined, e: null }] }), '{"a":[2,{"d":3,"e":null}],"b":1}');
  });

  it("property: reordering keys never changes the hash", () => {
    fc.assert(
      fc.property(shapeArb, fc.integer(), (shape, seed) => {
        assert.equal(hashOf(shuffleKeys(terse(shape), seed)), hashOf(terse(shape)));
      }),
      { numRuns: 60 },
    );
  });

  it("property: writing defaults out (and spelling quantities differently) never changes the hash", () => {
    fc.assert(
      fc.property(shapeArb, fc.integer(), (shape, seed) => {
        assert.equal(hashOf(shuffleKeys(explicit(shape), seed)), hashOf(terse(shape)));
      }),
      { numRuns: 60 },
    );
  });

  it("property: a change of meaning always changes the hash", () => {
    const changes: [string, (s: Shape) => Shape][] = [
      ["image", (s) => ({ ...s, image: `${s.image}-next` })],
      ["env value", (s) => ({ ...s, env: { ...s.env, ZZ_CHANGED: "1" } })],
      ["cpu", (s) => ({ ...s, cpu: (s.cpu ?? 0.1) + 1 })],
      ["a template parameter", (s) => ({ ...s, tail: { lines: (s.tail?.lines ?? 10) + 1 } })],
      ["a port", (s) => ({ ...s, ports: [...s.ports, 9999] })],
      ["a secret reference", (s) => ({ ...s, secrets: [...s.secrets, "NEW_SECRET"] })],
      ["dropping a secret (or adding a first one)", (s) => ({ ...s, secrets: s.secrets.length === 0 ? ["S1"] : s.secrets.slice(1) })],
    ];
    fc.assert(
      fc.property(shapeArb, fc.constantFrom(...changes), (shape, [, change]) => {
        assert.notEqual(hashOf(terse(change(shape))), hashOf(terse(shape)));
      }),
      { numRuns: 60 },
    );
  });

  it("does not depend on the service's name", () => {
    const a = { name: "a", kind: "service" as const, rest: 1 };
    assert.equal(podSpecHash(a as never), podSpecHash({ ...a, name: "b" } as never));
  });
});
