/** The small readers of Compose notation: ports, mounts, units, words, env files. */
import assert from "node:assert/strict";
import { parseEnvFile } from "../../../reconciler/import/dotenv.ts";
import { parsePort } from "../../../reconciler/import/port-syntax.ts";
import { shellWords } from "../../../reconciler/import/shell-words.ts";
import { cpus, duration, memory } from "../../../reconciler/import/units.ts";
import { parseMount } from "../../../reconciler/import/volume-syntax.ts";

describe("import: port syntax", () => {
  const cases: { item: unknown; ports?: object[]; error?: RegExp }[] = [
    { item: 80, ports: [{ target: 80, protocol: "tcp" }] },
    { item: "80", ports: [{ target: 80, protocol: "tcp" }] },
    { item: "8080:80", ports: [{ target: 80, protocol: "tcp", published: 8080 }] },
    { item: "127.0.0.1:8080:80/udp", ports: [{ target: 80, protocol: "udp", published: 8080, hostIp: "127.0.0.1" }] },
    { item: "[::1]:8080:80", ports: [{ target: 80, protocol: "tcp", published: 8080, hostIp: "::1" }] },
    { item: "9000-9001:8000-8001", ports: [{ target: 8000, protocol: "tcp", published: 9000 }, { target: 8001, protocol: "tcp", published: 9001 }] },
    { item: "8000-8005:80", ports: [{ target: 80, protocol: "tcp", published: 8000, narrowed: "8000-8005" }] },
    { item: { target: 80, published: "8080", mode: "host", name: "web" }, ports: [{ target: 80, protocol: "tcp", published: 8080, mode: "host", name: "web" }] },
    { item: "80/sctp", error: /neither tcp nor udp/ },
    { item: "abc", error: /not a container port/ },
    { item: 70000, error: /between 1 and 65535/ },
  ];
  for (const c of cases) {
    it(JSON.stringify(c.item), () => {
      const r = parsePort(c.item);
      if (c.error) assert.match("error" in r ? r.error : "", c.error);
      else assert.deepEqual(r, { ports: c.ports });
    });
  }
});

describe("import: mount syntax", () => {
  const cases: { item: unknown; mount?: object; error?: RegExp }[] = [
    { item: "/data", mount: { type: "volume", target: "/data", readOnly: false, ignoredOptions: [] } },
    { item: "data:/data:ro", mount: { type: "volume", source: "data", target: "/data", readOnly: true, ignoredOptions: [] } },
    { item: "./conf:/etc/app:ro,z", mount: { type: "bind", source: "./conf", target: "/etc/app", readOnly: true, ignoredOptions: ["z"] } },
    { item: "~/x:/x", mount: { type: "bind", source: "~/x", target: "/x", readOnly: false, ignoredOptions: [] } },
    { item: { type: "bind", source: "/srv", target: "/srv", read_only: true }, mount: { type: "bind", source: "/srv", target: "/srv", readOnly: true, ignoredOptions: [] } },
    { item: "data:relative", error: /absolute target/ },
    { item: { type: "volume" }, error: /needs target/ },
  ];
  for (const c of cases) {
    it(JSON.stringify(c.item), () => {
      const r = parseMount(c.item);
      if (c.error) assert.match("error" in r ? r.error : "", c.error);
      else assert.deepEqual(r, { mount: c.mount });
    });
  }
});

describe("import: units", () => {
  const cases: [string, (v: unknown) => unknown, unknown, unknown][] = [
    ["duration 1m30s", duration, "1m30s", "1m30s"],
    ["duration 1.5s", duration, "1.5s", "1.5s"],
    ["duration 500us rounds up to 1ms", duration, "500us", "1ms"],
    ["duration bare number is seconds", duration, 10, "10s"],
    ["duration nonsense", duration, "soon", undefined],
    ["memory 512m is MiB", memory, "512m", "512Mi"],
    ["memory 1gb", memory, "1gb", "1Gi"],
    ["memory 1.5G", memory, "1.5G", "1.5Gi"],
    ["memory bytes", memory, 1048576, "1048576"],
    ["memory 100x", memory, "100x", undefined],
    ["cpus string", cpus, "0.50", 0.5],
    ["cpus zero", cpus, 0, undefined],
  ];
  for (const [name, f, input, expected] of cases) it(name, () => assert.equal(f(input), expected));
});

describe("import: shell words", () => {
  const cases: [string, string[] | string][] = [
    ["redis-server --appendonly yes", ["redis-server", "--appendonly", "yes"]],
    [`sh -c 'echo "hi there"'`, ["sh", "-c", 'echo "hi there"']],
    [`echo "a \\"b\\"" c\\ d ''`, ["echo", 'a "b"', "c d", ""]],
    [`echo 'open`, "the single quote is never closed"],
  ];
  for (const [text, expected] of cases) {
    it(text, () => assert.deepEqual(shellWords(text), Array.isArray(expected) ? { words: expected } : { error: expected }));
  }
});

describe("import: env files", () => {
  it("reads KEY=value lines, quotes, export, comments and interpolation, with line numbers", () => {
    const text = ["# comment", "A=1", "export B = two words # trailing", "C='${A} literal'", 'D="${A}\\n${OUT}"', "", "E", "F=${A:-x}"].join("\n");
    const r = parseEnvFile(text, (n) => ({ OUT: "o", E: "from-env" })[n]);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.entries, [
      { name: "A", value: "1", line: 2 },
      { name: "B", value: "two words", line: 3 },
      { name: "C", value: "${A} literal", line: 4 },
      { name: "D", value: "1\no", line: 5 },
      { name: "E", value: "from-env", line: 7 },
      { name: "F", value: "1", line: 8 },
    ]);
  });

  it("says where a line cannot be read", () => {
    const r = parseEnvFile("A=1\n=oops\nB='open\n", () => undefined);
    assert.deepEqual(r.problems, [
      { line: 2, col: 1, message: 'not a KEY=value line: "=oops"' },
      { line: 3, col: 3, message: "the single quote is never closed" },
    ]);
  });
});
