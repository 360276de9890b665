/**
 * Masking resolved secret values in what berth reads back from containers:
 * the rule itself (table and properties), then the places that capture
 * container output — the health gate through the rollout, the launch error,
 * the restore of an old pod, a job run's output — against the recording fake
 * host. Every value is random, and no assertion prints one: leaks are
 * reported by what leaked ("the token"), never by the value.
 */
import { TEST_OPERATOR } from "../../support/operator.ts";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fc from "fast-check";
import pino from "pino";
import type { PodLaunch } from "../../../reconciler/docker/types.ts";
import { LaunchError } from "../../../reconciler/docker/errors.ts";
import { JobRunner } from "../../../reconciler/loop/jobs.ts";
import { createMetrics } from "../../../reconciler/loop/metrics.ts";
import type { Fleet } from "../../../reconciler/model/fleet.ts";
import type { PodSpec } from "../../../reconciler/model/pod.ts";
import { diffFleet } from "../../../reconciler/plan/diff.ts";
import { applyPlan } from "../../../reconciler/rollout/apply-plan.ts";
import type { ApplyResult, RolloutEvent } from "../../../reconciler/rollout/events.ts";
import { MIN_MASKED_LENGTH, maskError, secretMask, withholdAll } from "../../../reconciler/rollout/mask-secrets.ts";
import { FakeFleet, FakeHost, fakeClock } from "../../support/fake-host.ts";
import { container, job, jobPod, pod, rollout, service } from "../plan/mock.ts";

const random = (prefix: string) => `${prefix}-${randomBytes(9).toString("hex")}`;

/** The labels of the values found in `text`: what an assertion may print. */
function leaked(text: string, values: Record<string, string>): string[] {
  return Object.entries(values)
    .filter(([, v]) => text.includes(v))
    .map(([label]) => label);
}

describe("secretMask", function () {
  const token = random("tok");
  const short = randomBytes(3).toString("hex").slice(0, 3);
  const four = randomBytes(2).toString("hex");
  const lines = [random("l1"), random("l2"), random("l3")];
  const quoted = `${random("q")}"${random("q")}`;
  const nul = `${random("n")}\u0000${random("n")}`;

  const cases: { name: string; values: Record<string, Record<string, string>>; text: string; want: string }[] = [
    { name: "a value anywhere in the text", values: { main: { API_TOKEN: token } }, text: `token is ${token}, again ${token}.`, want: "token is ***, again ***." },
    { name: "NAME=value, as `env` prints it", values: { main: { API_TOKEN: token } }, text: `PATH=/bin\nAPI_TOKEN=${token}\n`, want: "PATH=/bin\nAPI_TOKEN=***\n" },
    { name: "a value shorter than the minimum is left in plain text (masking it would shred the output)", values: { main: { PIN: short } }, text: `pin ${short}`, want: `pin ${short}` },
    { name: "…but not as NAME=value", values: { main: { PIN: short } }, text: `PIN=${short}`, want: "PIN=***" },
    { name: `a value of exactly ${MIN_MASKED_LENGTH} characters is masked`, values: { main: { PIN: four } }, text: `pin ${four}`, want: "pin ***" },
    { name: "an empty value masks nothing", values: { main: { EMPTY: "" } }, text: "EMPTY= stays", want: "EMPTY= stays" },
    { name: "a whitespace-only value does not eat indentation", values: { main: { BLANK: "    " } }, text: "    indented", want: "    indented" },
    { name: "a value printed trimmed", values: { main: { KEY: `  ${token}\t` } }, text: `key:${token};`, want: "key:***;" },
    { name: "a multi-line value printed whole", values: { main: { KEY: lines.join("\n") } }, text: `begin\n${lines.join("\n")}\nend`, want: "begin\n***\nend" },
    { name: "a multi-line value cut by a log tail: each line on its own", values: { main: { KEY: lines.join("\n") } }, text: `${lines[1]}\n${lines[2]}\nexit 1`, want: "***\n***\nexit 1" },
    { name: "a multi-line value with CRLF line ends", values: { main: { KEY: lines.join("\r\n") } }, text: `${lines[0]}\r\nnext`, want: "***\r\nnext" },
    { name: "a value in a JSON log line, its quote escaped", values: { main: { PASSWORD: quoted } }, text: JSON.stringify({ password: quoted }), want: '{"password":"***"}' },
    {
      name: "a value with a NUL as runc quotes it (Go %q)",
      values: { main: { DB_PASSWORD: nul } },
      text: `environment variable value can't contain null(\\x00): "DB_PASSWORD=${nul.replace("\u0000", "\\x00")}": unknown`,
      want: `environment variable value can't contain null(\\x00): "DB_PASSWORD=***": unknown`,
    },
    { name: "one value inside another: the longer one goes first", values: { main: { A: token, B: `${token}-and-more` } }, text: `${token}-and-more ${token}`, want: "*** ***" },
    { name: "values of every container", values: { main: { A: lines[0]! }, sidecar: { B: lines[1]! } }, text: `${lines[0]} ${lines[1]}`, want: "*** ***" },
    { name: "no values: the text as it is", values: {}, text: "nothing to hide", want: "nothing to hide" },
  ];
  for (const c of cases) {
    it(c.name, function () {
      const got = secretMask(c.values)(c.text);
      // Compared with the expected text only once no value of masked length is in it, so a failure never prints one.
      const long = Object.fromEntries(Object.values(c.values).flatMap((vars) => Object.entries(vars).filter(([, v]) => v.trim().length >= MIN_MASKED_LENGTH)));
      assert.deepEqual(leaked(got, long), []);
      assert.equal(got, c.want);
    });
  }

  // No `*` in values: a value made of the mask's own characters could be rebuilt by the masking itself.
  const valueArb = fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 24 }).filter((s) => !s.includes("*"));
  const lineOf = (v: string) => v.split(/[\u0000-\u001f\u007f\\"]+/).map((p) => p.trim());

  it("property: no value, nor piece of one, of masked length survives, wherever it sits in the text", function () {
    fc.assert(
      fc.property(fc.array(valueArb, { minLength: 1, maxLength: 4 }), fc.array(fc.string({ unit: "binary-ascii", maxLength: 12 }), { minLength: 1, maxLength: 6 }), (values, fillers) => {
        const vars = Object.fromEntries(values.map((v, i) => [`V${i}`, v]));
        const text = fillers.map((f, i) => `${f}${values[i % values.length]}`).join("");
        const got = secretMask({ main: vars })(text);
        const mustGo = values.flatMap((v) => [v, v.trim(), ...lineOf(v)]).filter((s) => s.trim().length >= MIN_MASKED_LENGTH);
        return mustGo.every((s) => !got.includes(s));
      }),
    );
  });

  it("property: text that shares no character with the values is left as it is", function () {
    const letters = fc.string({ unit: fc.constantFrom(..."abcdefghij"), minLength: 1, maxLength: 16 });
    const other = fc.string({ unit: fc.constantFrom(..."klmnopqrstuvwxyz \n|:"), maxLength: 60 });
    fc.assert(fc.property(fc.array(letters, { minLength: 1, maxLength: 3 }), other, (values, text) => secretMask({ main: Object.fromEntries(values.map((v, i) => [`V${i}`, v])) })(text) === text));
  });

  it("withholdAll shows none of the text, and leaves nothing as nothing", function () {
    const text = `last words ${token}`;
    assert.deepEqual(leaked(withholdAll(text), { token }), []);
    assert.match(withholdAll(text), /withheld/);
    assert.equal(withholdAll(""), "");
  });
});

describe("maskError", function () {
  const value = `${random("v")}\u0000${random("v")}`;
  const runcSays = (v: string) => `failed to create shim task: OCI runtime create failed: environment variable value can't contain null(\\x00): "DB_PASSWORD=${v.replace("\u0000", "\\x00")}": unknown`;

  it("keeps the error's class, code and data shape, with message, stack and data masked", function () {
    const err = new LaunchError({ host: "h1", pod: "p1", container: "main", cause: runcSays(value) });
    const masked = maskError(err, secretMask({ main: { DB_PASSWORD: value } })) as LaunchError;
    assert.ok(masked instanceof LaunchError);
    assert.equal(masked.code, "launch-failed");
    const pieces = { "the value": value, "its first piece": value.split("\u0000")[0]!, "its second piece": value.split("\u0000")[1]! };
    assert.deepEqual(leaked(masked.message, pieces), []);
    assert.deepEqual(leaked(masked.stack ?? "", pieces), []);
    assert.deepEqual(leaked(JSON.stringify(masked.data), pieces), []);
    assert.deepEqual(leaked(JSON.stringify(masked), pieces), []);
    assert.equal(masked.message, 'starting container "main" of pod p1 on host "h1" failed: failed to create shim task: OCI runtime create failed: environment variable value can\'t contain null(\\x00): "DB_PASSWORD=***": unknown');
    assert.deepEqual({ host: masked.data.host, pod: masked.data.pod, container: masked.data.container }, { host: "h1", pod: "p1", container: "main" });
  });

  it("masks a cause, and passes what is not an error through", function () {
    const token = random("tok");
    const err = new Error("outer", { cause: new Error(`inner ${token}`) });
    assert.deepEqual(leaked(String((maskError(err, secretMask({ main: { T: token } })) as Error).cause), { token }), []);
    assert.equal(maskError(undefined, secretMask({ main: { T: token } })), undefined);
    assert.equal(maskError(`raw ${token}`, secretMask({ main: { T: token } })), "raw ***");
  });
});

/** A fake host whose containers print `output` (their environment, say) and, when asked, whose engine quotes it refusing a launch. */
class PrintingHost extends FakeHost {
  constructor(
    name: string,
    private readonly fakes: FakeFleet,
    private readonly output: () => string,
    private readonly opts: { refuseLaunch?: (l: PodLaunch) => string; crashOnRestart?: boolean } = {},
  ) {
    super(name, fakes);
  }

  override async logsTail(): Promise<string> {
    return this.output();
  }

  override async launchPod(l: PodLaunch): Promise<{ containers: { name: string; id: string }[] }> {
    if (this.opts.refuseLaunch) throw new LaunchError({ host: this.name, pod: l.pod, container: "main", cause: this.opts.refuseLaunch(l) });
    return super.launchPod(l);
  }

  override async startPod(owner: string, pod: string): Promise<void> {
    await super.startPod(owner, pod);
    const p = this.fakes.pods.get(pod);
    if (p && this.opts.crashOnRestart) p.state = "exited";
  }
}

const CRASH = "app:crash";
const spec = (image: string): PodSpec => pod({ specHash: `hash-${image}`, containers: [container({ image, secretEnv: [{ name: "API_TOKEN", fromEnv: "BERTH_SECRET_UNUSED" }] })] });

/** Replaces web/0 (one pod, on h1) with a pod of `image`, its secrets from `secrets`. */
async function roll(opts: {
  image: string;
  output: () => string;
  secrets: (spec: PodSpec) => Record<string, Record<string, string>>;
  host?: ConstructorParameters<typeof PrintingHost>[3];
  order?: "start-first" | "stop-first";
}): Promise<{ result: ApplyResult; events: RolloutEvent[] }> {
  const fleet = new FakeFleet();
  fleet.crashingImages.add(CRASH);
  fleet.seed("h1", "old0", "web", 0, "app:v1", "hash-app:v1");
  const hosts = new Map([["h1", new PrintingHost("h1", fleet, opts.output, opts.host)]]);
  const observed = await hosts.get("h1")!.observe("o");
  const plan = diffFleet({
    owner: "o",
    commit: "c2",
    now: 0,
    services: [service({ replicas: 1, pod: spec(opts.image), rollout: rollout({ order: opts.order ?? "start-first", maxUnavailable: opts.order === "stop-first" ? 1 : 0 }) })],
    placements: [{ group: "web", slot: 0, host: "h1" }],
    unplaced: [],
    hosts: [{ name: "h1", state: "ready" }],
    observed,
  });
  const events: RolloutEvent[] = [];
  let n = 0;
  const result = await applyPlan(plan, { hosts, clock: fakeClock(), prober: { http: async () => true, tcp: async () => true }, newPodId: () => `new${n++}`, secrets: opts.secrets, onEvent: (e) => events.push(e) });
  return { result, events };
}

/** Everything a rollout reports, each part by name, for leak checks. */
const reported = (r: { result: ApplyResult; events: RolloutEvent[] }) => [r.result.services[0]?.reason ?? "", ...r.events.map((e) => e.message), JSON.stringify(r)];

describe("masking in the rollout (fake host)", function () {
  // Guards the bug where a crashed container's last output carried the resolved secret into the failure reason (and so into events, /status, logs and the journal).
  it("a crashed container's last output reaches the reason and the events masked", async function () {
    const token = random("tok");
    const key = [random("k1"), random("k2")];
    const values = { token, "the key's first line": key[0]!, "the key's second line": key[1]! };
    const r = await roll({
      image: CRASH,
      output: () => `${key.join("\n")}\nAPI_TOKEN=${token}\nconnecting with ${token}\n`,
      secrets: () => ({ main: { API_TOKEN: token, SIGNING_KEY: key.join("\n") } }),
    });
    assert.equal(r.result.services[0]?.result, "rolled-back");
    for (const [i, text] of reported(r).entries()) assert.deepEqual(leaked(text, values), [], `reported text #${i}`);
    assert.match(r.result.services[0]?.reason ?? "", /exited with code 1; last output: \*\*\* \| API_TOKEN=\*\*\* \| connecting with \*\*\*$/);
  });

  // Guards the bug where the engine's refusal of a launch, quoting the container's environment (runc does for a NUL in a value), put the value in the reason.
  it("a launch error that quotes the environment reaches the reason masked, still a launch failure", async function () {
    const value = `${random("a")}\u0000${random("b")}`;
    const values = { "the value": value, "its first piece": value.split("\u0000")[0]!, "its second piece": value.split("\u0000")[1]! };
    const r = await roll({
      image: "app:v2",
      output: () => "",
      secrets: () => ({ main: { DB_PASSWORD: value } }),
      host: { refuseLaunch: (l) => `environment variable value can't contain null(\\x00): "DB_PASSWORD=${l.secretValues!["main"]!["DB_PASSWORD"]!.replace("\u0000", "\\x00")}": unknown` },
    });
    assert.equal(r.result.ok, false);
    for (const [i, text] of reported(r).entries()) assert.deepEqual(leaked(text, values), [], `reported text #${i}`);
    assert.match(r.result.services[0]?.reason ?? "", /^starting container "main" of pod new0 on host "h1" failed: .*"DB_PASSWORD=\*\*\*": unknown/);
  });

  // Guards the bug where an old pod brought back by a rollback crashed and its output (printing the secret) went into "rollback failed: …".
  it("an old pod that crashes when restored: its output masked with the spec's values", async function () {
    const token = random("tok");
    const r = await roll({ image: CRASH, order: "stop-first", output: () => `old pod says ${token}`, secrets: () => ({ main: { API_TOKEN: token } }), host: { crashOnRestart: true } });
    for (const [i, text] of reported(r).entries()) assert.deepEqual(leaked(text, { token }), [], `reported text #${i}`);
    assert.match(r.result.services[0]?.reason ?? "", /rollback failed[^:]*: .*old0.*last output: old pod says \*\*\*/);
  });

  // Guards the same bug when the values cannot be resolved to mask with (a rollback undoing a launch whose secret went missing): the old pod's output must be withheld, not shown as it is.
  it("an old pod that crashes when restored while the secrets cannot be resolved: its output is withheld", async function () {
    const token = random("tok");
    const r = await roll({
      image: "app:v2",
      order: "stop-first",
      output: () => `old pod says ${token}`,
      secrets: () => {
        throw new Error("secret API_TOKEN of web/main is not available: environment variable BERTH_SECRET_UNUSED is not set on the reconciler");
      },
      host: { crashOnRestart: true },
    });
    for (const [i, text] of reported(r).entries()) assert.deepEqual(leaked(text, { token }), [], `reported text #${i}`);
    assert.match(r.result.services[0]?.reason ?? "", /not available.*rollback failed[^:]*: .*old0.*last output: \(withheld/);
  });
});

describe("masking a job run's output (fake host)", function () {
  const VAR = `BERTH_SECRET_MASK_TEST_${process.pid}`;
  afterEach(function () {
    delete process.env[VAR];
  });

  // Guards the bug where a job's last 20 lines of output, kept in /status, carried the secret berth injected into the run.
  it("the output kept in /status and the failure reason are masked", async function () {
    const token = random("tok");
    process.env[VAR] = token;
    const fakes = new FakeFleet();
    fakes.crashingImages.add(CRASH);
    const backup = job({ pod: jobPod({ containers: [container({ image: CRASH, secretEnv: [{ name: "API_TOKEN", fromEnv: VAR }] })] }) });
    const fleet: Fleet = { hosts: [], services: [], jobs: [backup], templates: [], policy: { allowPrivileged: false, allowHostNetwork: false, allowedHostPaths: [], allowEmpty: false } };
    const host = new PrintingHost("h1", fakes, () => `backing up with API_TOKEN=${token}\nusing ${token}\n`);
    const runner = new JobRunner({ secretRules: TEST_OPERATOR.config.secrets, owner: "o", reconciler: { fleet, commit: "c1", hostMap: new Map([["h1", host]]) }, log: pino({ level: "silent" }), metrics: createMetrics(), seed: 1 });
    runner.sync();
    try {
      await runner.run("backup");
    } finally {
      runner.stop();
    }
    const run = runner.status().find((j) => j.name === "backup")?.lastRun;
    assert.deepEqual(leaked(JSON.stringify(runner.status()), { token }), []);
    assert.equal(run?.result, "failed", run?.reason);
    assert.equal(run?.output, "backing up with API_TOKEN=***\nusing ***");
  });

  // Guards the bug where the engine's refusal of a job's launch, quoting the environment, put the value in the run's reason.
  it("a launch error of a run reaches its reason masked", async function () {
    const token = random("tok");
    process.env[VAR] = token;
    const fakes = new FakeFleet();
    const backup = job({ pod: jobPod({ containers: [container({ image: "app:v1", secretEnv: [{ name: "API_TOKEN", fromEnv: VAR }] })] }) });
    const fleet: Fleet = { hosts: [], services: [], jobs: [backup], templates: [], policy: { allowPrivileged: false, allowHostNetwork: false, allowedHostPaths: [], allowEmpty: false } };
    const host = new PrintingHost("h1", fakes, () => "", { refuseLaunch: (l) => `invalid environment variable: API_TOKEN=${l.secretValues!["main"]!["API_TOKEN"]!}` });
    const runner = new JobRunner({ secretRules: TEST_OPERATOR.config.secrets, owner: "o", reconciler: { fleet, commit: "c1", hostMap: new Map([["h1", host]]) }, log: pino({ level: "silent" }), metrics: createMetrics(), seed: 1 });
    try {
      runner.sync();
      await runner.run("backup");
    } finally {
      runner.stop();
    }
    const run = runner.status().find((j) => j.name === "backup")?.lastRun;
    assert.deepEqual(leaked(JSON.stringify(runner.status()), { token }), []);
    assert.match(run?.reason ?? "", /failed: invalid environment variable: API_TOKEN=\*\*\*$/);
  });
});
