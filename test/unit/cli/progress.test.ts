/**
 * Apply's live display on a terminal. Guards issue 17's bug: lines were cut
 * by counting bytes, escape codes included, so on a 60-column terminal a
 * cut went through a colour's closing code and the colour bled into the
 * next line. And a large fleet collapses to one line per service.
 */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { stripVTControlCharacters } from "node:util";
import { ProgressBoard, type Paint } from "../../../reconciler/cli/progress-board.ts";
import { terminalProgress } from "../../../reconciler/cli/terminal-progress.ts";
import type { Plan } from "../../../reconciler/plan/types.ts";
import type { RolloutEvent } from "../../../reconciler/rollout/events.ts";

/** A terminal of `columns` × `rows` that keeps what is written to it. */
function fakeTerminal(columns: number, rows: number): { stream: NodeJS.WriteStream; written: () => string } {
  const chunks: string[] = [];
  const stream = Object.assign(new Writable({ write: (c: Buffer | string, _e, done) => (chunks.push(String(c)), done()) }), { columns, rows, isTTY: true });
  return { stream: stream as unknown as NodeJS.WriteStream, written: () => chunks.join("") };
}

/** SGR styles still open at the end of `line`: each opened code not closed by its reset. */
function openStyles(line: string): string[] {
  const open = new Map<string, string>();
  const closes: Record<string, string> = { "22": "intensity", "23": "italic", "24": "underline", "27": "inverse", "39": "fg", "49": "bg" };
  for (const m of line.matchAll(/\x1b\[([\d;]*)m/g)) {
    for (const code of (m[1] || "0").split(";")) {
      const n = Number(code);
      if (n === 0) open.clear();
      else if (closes[code]) open.delete(closes[code]!);
      else if (n === 1 || n === 2) open.set("intensity", code);
      else if (n === 3) open.set("italic", code);
      else if (n === 4) open.set("underline", code);
      else if (n === 7) open.set("inverse", code);
      else if ((n >= 30 && n <= 38) || (n >= 90 && n <= 97)) open.set("fg", code);
      else if ((n >= 40 && n <= 48) || (n >= 100 && n <= 107)) open.set("bg", code);
    }
  }
  return [...open.values()];
}

const ev = (e: Partial<RolloutEvent> & Pick<RolloutEvent, "service" | "phase" | "message">): RolloutEvent => ({ at: 0, ...e });

/** A plan whose service `name` launches one pod on each of `hosts`. */
function planOf(name: string, hosts: readonly string[]): Pick<Plan, "services"> {
  const tracks = hosts.map((host, slot) => ({ slot, host, steps: [{ verb: "launch" as const, host, slot }, { verb: "gate" as const, host, slot }] }));
  return { services: [{ name, waves: [{ index: 0, kind: "repair", slots: hosts.map((_, i) => i), summary: "", tracks }] }] } as unknown as Pick<Plan, "services">;
}

const plain: Paint = (_style, s) => s;

describe("apply's live progress on a terminal", () => {
  it("at 60 columns with colour: no line wider than 60 visible columns, and every line closes its styles", () => {
    const term = fakeTerminal(60, 40);
    const progress = terminalProgress(term.stream, { color: true, plan: planOf("checkout-frontend", ["h1", "h2", "h3"]) });
    const long = "a message long enough that it cannot fit on a sixty-column terminal at all";
    progress.event(ev({ service: "checkout-frontend", host: "h1", slot: 0, pod: "p-0", phase: "start", message: `starting pod p-0: ${long}` }));
    progress.event(ev({ service: "checkout-frontend", host: "h1", slot: 0, pod: "p-0", phase: "ready", message: `pod p-0 is ready: ${long}` }));
    progress.event(ev({ service: "checkout-frontend", host: "h2", slot: 1, pod: "p-1", phase: "failed", message: `pod p-1 never turned healthy: ${long}` }));
    progress.event(ev({ service: "checkout-frontend", host: "h3", slot: 2, pod: "p-2", phase: "rollback", message: `restarting previous pod: ${long}` }));
    progress.event(ev({ service: "checkout-frontend", phase: "failed", message: `paused: ${long}` }));
    progress.done?.();
    const out = term.written();
    assert.match(out, /\x1b\[31m/, "failures are red: the test draws in colour");
    assert.match(out, /\x1b\[32m/, "a ready pod is green");
    const lines = out.split("\n");
    assert.ok(lines.some((l) => l.includes("…")), "lines were cut");
    for (const l of lines) {
      const visible = stripVTControlCharacters(l);
      assert.ok([...visible].length <= 60, `${[...visible].length} columns: ${JSON.stringify(visible)}`);
      assert.deepEqual(openStyles(l), [], `styles left open at the end of ${JSON.stringify(l)}`);
    }
  });

  it("leaves the last frame on the screen when the apply ends", () => {
    const term = fakeTerminal(80, 24);
    const progress = terminalProgress(term.stream, { color: false, plan: planOf("web", ["h1"]) });
    progress.event(ev({ service: "web", host: "h1", slot: 0, pod: "p-0", phase: "ready", message: "pod p-0 is ready" }));
    progress.done?.();
    const out = term.written();
    assert.ok(stripVTControlCharacters(out).endsWith("h1           web/0 ready: pod p-0 is ready\n"), JSON.stringify(out));
  });

  it("a terminal that reports 0 × 0 (a pty whose size was never set) is still drawn on", () => {
    const term = fakeTerminal(0, 0);
    const progress = terminalProgress(term.stream, { color: false });
    progress.event(ev({ service: "web", host: "h1", slot: 0, pod: "p-0", phase: "start", message: "starting pod p-0" }));
    progress.done?.();
    assert.match(stripVTControlCharacters(term.written()), /h1 +web\/0 start: starting pod p-0/);
  });
});

describe("the progress board", () => {
  const hosts = (n: number) => Array.from({ length: n }, (_, i) => `h${i + 1}`);

  it("with 50 hosts: one line per service, counting ready pods against the plan and naming where pods start", () => {
    const board = new ProgressBoard(planOf("web", hosts(50)));
    for (let i = 0; i < 12; i++) {
      board.record(ev({ service: "web", host: `h${i + 10}`, slot: i, pod: `p-${i}`, phase: "start", message: "starting" }));
      board.record(ev({ service: "web", host: `h${i + 10}`, slot: i, pod: `p-${i}`, phase: "ready", message: "ready" }));
    }
    board.record(ev({ service: "web", host: "h7", slot: 30, pod: "p-30", phase: "start", message: "starting" }));
    board.record(ev({ service: "web", host: "h3", slot: 31, pod: "p-31", phase: "start", message: "starting" }));
    assert.deepEqual(board.frame({ columns: 120, rows: 40 }, plain), ["web: 12/50 ready, 2 starting on h3, h7"]);
  });

  it("names three hosts, then an ellipsis; a failure is counted, and shown under the frame", () => {
    const board = new ProgressBoard(planOf("web", hosts(50)));
    for (const h of ["h9", "h2", "h30", "h4"]) board.record(ev({ service: "web", host: h, slot: 0, pod: `p-${h}`, phase: "start", message: "starting" }));
    board.record(ev({ service: "web", host: "h5", slot: 5, pod: "p-h5", phase: "failed", message: "pod p-h5 never turned healthy" }));
    assert.deepEqual(board.frame({ columns: 120, rows: 40 }, plain), ["web: 0/50 ready, 4 starting on h2, h4, h9…, 1 failed", "h5: web/5 failed: pod p-h5 never turned healthy"]);
  });

  it("a finished service says how it ended", () => {
    const board = new ProgressBoard(planOf("web", hosts(30)));
    for (let i = 0; i < 30; i++) board.record(ev({ service: "web", host: `h${i + 1}`, slot: i, pod: `p-${i}`, phase: "ready", message: "ready" }));
    board.record(ev({ service: "web", phase: "done", message: "converged" }));
    assert.deepEqual(board.frame({ columns: 120, rows: 40 }, plain), ["web: converged; 30/30 ready"]);
  });

  const layouts: { name: string; hosts: number; rows: number; perHost: boolean }[] = [
    { name: "3 hosts on 24 rows: one line per host", hosts: 3, rows: 24, perHost: true },
    { name: "20 hosts on 40 rows: one line per host", hosts: 20, rows: 40, perHost: true },
    { name: "21 hosts on 40 rows: per service (more than 20)", hosts: 21, rows: 40, perHost: false },
    { name: "8 hosts on 10 rows: per service (more than rows - 4)", hosts: 8, rows: 10, perHost: false },
  ];
  for (const c of layouts) {
    it(c.name, () => {
      const board = new ProgressBoard(planOf("web", hosts(c.hosts)));
      board.record(ev({ service: "web", host: "h1", slot: 0, pod: "p-0", phase: "start", message: "starting pod p-0" }));
      assert.deepEqual(board.frame({ columns: 120, rows: c.rows }, plain), c.perHost ? ["h1           web/0 start: starting pod p-0"] : ["web: 0/" + c.hosts + " ready, 1 starting on h1"]);
    });
  }
});
