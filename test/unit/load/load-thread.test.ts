/**
 * Loading on the load thread (issue 11) gives what `loadFleet` gives, and
 * leaves the calling thread's event loop free while it works.
 */
import assert from "node:assert/strict";
import { loadFleet, type LoadResult } from "../../../reconciler/load/load-fleet.ts";
import { LoadThread } from "../../../reconciler/load/load-thread.ts";
import type { RepoSnapshot } from "../../../reconciler/load/source.ts";
import { TEST_OPERATOR } from "../../support/operator.ts";
import { BASE, TAIL_TEMPLATE, WEB, lines } from "./fleet-files.ts";

function snapshotOf(files: Readonly<Record<string, string>>, refused: RepoSnapshot["refused"] = []): RepoSnapshot {
  return { files: Object.entries(files).map(([path, content]) => ({ path, content })), refused };
}

const isLoadThreadError = (detail: RegExp) => (err: unknown) => (err as { code?: string }).code === "E_LOAD_THREAD" && detail.test((err as Error).message);

describe("LoadThread", function () {
  this.timeout(20_000);
  let thread: LoadThread;
  before(() => {
    thread = new LoadThread();
  });
  after(async () => {
    await thread.close();
  });

  const cases: readonly { name: string; snapshot: RepoSnapshot; options?: Parameters<LoadThread["load"]>[1]; check(expected: LoadResult): void }[] = [
    {
      name: "a valid fleet, with the operator's rules and an env variable named __proto__",
      snapshot: snapshotOf({ ...BASE, "services/api.yaml": WEB.replace("name: web", "name: api") + lines("  env:", '    __proto__: "kept"', "  secretEnv:", "    - name: DB", "      fromFile: db/password") }),
      options: { operator: TEST_OPERATOR },
      check: (expected) => {
        const api = expected.ok ? expected.fleet.services.find((x) => x.name === "api") : undefined;
        assert.equal(api?.pod.containers[0]?.env["__proto__"], "kept");
      },
    },
    {
      name: "diagnostics at their positions, refused files among them",
      snapshot: snapshotOf(
        {
          ...BASE,
          "templates/tail.yaml": TAIL_TEMPLATE.replace("${{ params.path }}", "${{ params.pth }}"),
          "services/api.yaml": WEB.replace("name: web", "name: api").replace("  replicas: 2", "  replicas: -1"),
          "services/db.yaml": WEB.replace("name: web", "name: db") + lines("  secretEnv:", "    - name: DB", "      fromFile: /etc/shadow"),
          "broken.yaml": "kind: [\n",
        },
        [{ path: "big.yaml", code: "file-too-large", message: "big.yaml is too large" }],
      ),
      options: { operator: TEST_OPERATOR },
      check: (expected) => assert.deepEqual(new Set(expected.diagnostics.map((d) => d.file)), new Set(["big.yaml", "broken.yaml", "services/api.yaml", "services/db.yaml", "templates/tail.yaml"])),
    },
    {
      name: "only the files under --path",
      // Without `uses:`: the template is outside the path.
      snapshot: snapshotOf({ ...BASE, "services/web.yaml": WEB.replace("name: web", "name: in-path").split("  uses:")[0]!, "other/web.yaml": WEB }),
      options: { subPath: "services" },
      check: (expected) => assert.deepEqual(expected.ok ? expected.fleet.services.map((x) => x.name) : expected.diagnostics, ["in-path"]),
    },
  ];
  for (const c of cases) {
    it(`gives what loadFleet gives: ${c.name}`, async () => {
      const expected = loadFleet(c.snapshot, c.options);
      c.check(expected);
      assert.deepEqual(await thread.load(c.snapshot, c.options), expected);
    });
  }

  it("leaves the event loop free: timers fire while a large repository loads (none do during loadFleet)", async () => {
    const files: Record<string, string> = { ...BASE };
    for (let i = 0; i < 600; i++) files[`services/s${i}.yaml`] = WEB.replace("name: web", `name: s${i}`);
    const snapshot = snapshotOf(files);
    const ticksDuring = async (load: () => Promise<unknown>): Promise<number> => {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 5);
      try {
        await load();
      } finally {
        clearInterval(timer);
      }
      return ticks;
    };
    await thread.load(snapshot); // the thread's start and schema compilation, out of the way
    assert.equal(await ticksDuring(async () => loadFleet(snapshot)), 0);
    const t0 = performance.now();
    const ticks = await ticksDuring(() => thread.load(snapshot));
    const ms = performance.now() - t0;
    // A 5 ms timer in a loop that is never held for long ticks about ms/5 times; a quarter of that (a busy machine) still shows it was not held.
    assert.ok(ticks >= ms / 20, `${ticks} ticks in ${ms.toFixed(0)} ms`);
  });

  it("refuses operator rules that follow symlinks with their own function, which cannot cross to the thread", async () => {
    const rules = { ...TEST_OPERATOR, realpath: (p: string) => p };
    await assert.rejects(thread.load(snapshotOf(BASE), { operator: rules }), isLoadThreadError(/operator rules follow symlinks with a function of their own/));
  });

  it("replaces a thread that died, at the next load", async () => {
    const own = new LoadThread();
    try {
      await own.load(snapshotOf(BASE));
      // The thread dying (killed, out of memory) is what is tested: reach it as nothing else would.
      await (own as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
      assert.deepEqual(await own.load(snapshotOf(BASE)), loadFleet(snapshotOf(BASE)));
    } finally {
      await own.close();
    }
  });

  it("a closed thread refuses work instead of hanging", async () => {
    const closed = new LoadThread();
    await closed.close();
    await assert.rejects(closed.load(snapshotOf(BASE)), isLoadThreadError(/it was closed/));
  });
});
