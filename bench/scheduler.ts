/**
 * Scheduler benchmark (issues 5 and 15): 200,000 pods (50,000 services × 4
 * replicas, mixed sizes) on 10,000 hosts — from empty, then again with
 * everything already placed. Every service spreads over 3 zones, half use
 * binpack and half spread, half carry a hard constraint (`role == web`,
 * `role != db`, `ssd exists`, `zone in (a, b)`), and one host in 500 is
 * drained, so the filters, the spread balance and both scorers all run.
 *
 *   npx tsx bench/scheduler.ts [services=50000] [hosts=10000]
 *
 * Targets on a 2-core machine: from empty ≤ 0.2 s (issue 15; median of 3
 * runs); already placed ≤ 0.3 s.
 */
import { placePods } from "../scheduler/place.ts";
import { seededRandom } from "../scheduler/random.ts";
import type { SchedGroup, SchedHost } from "../scheduler/types.ts";

const services = Number(process.argv[2] ?? 50_000);
const hostCount = Number(process.argv[3] ?? 10_000);
const GiB = 2 ** 30;
const MiB = 2 ** 20;
const rand = seededRandom(42);

const zones = ["a", "b", "c"];
const roles = ["web", "batch", "db"];
const hosts: SchedHost[] = Array.from({ length: hostCount }, (_, i) => ({
  name: `host-${String(i).padStart(5, "0")}`,
  labels: { zone: zones[i % 3]!, role: roles[i % 10 === 0 ? 2 : i % 3 === 0 ? 1 : 0]!, ...(i % 4 === 0 ? { ssd: "true" } : {}) },
  capacity: { cpu: [16, 32, 64][i % 3]!, memory: [64, 128, 256][i % 3]! * GiB },
  state: i % 500 === 7 ? "drained" : "ready",
}));

const sizes = [
  { cpu: 0.1, memory: 128 * MiB },
  { cpu: 0.25, memory: 256 * MiB },
  { cpu: 0.5, memory: 512 * MiB },
  { cpu: 1, memory: 1 * GiB },
  { cpu: 2, memory: 4 * GiB },
];
const groups: SchedGroup[] = Array.from({ length: services }, (_, i) => {
  const r = rand();
  const constraints =
    r < 0.5 ? [] : r < 0.7 ? [{ label: "role", op: "==" as const, values: ["web"] }] : r < 0.85 ? [{ label: "role", op: "!=" as const, values: ["db"] }] : r < 0.95 ? [{ label: "ssd", op: "exists" as const, values: [] }] : [{ label: "zone", op: "in" as const, values: ["a", "b"] }];
  return {
    kind: "service",
    name: `svc-${String(i).padStart(6, "0")}`,
    replicas: 4,
    resources: sizes[Math.floor(rand() * sizes.length)]!,
    hostPorts: [],
    constraints,
    spread: "zone",
    strategy: rand() < 0.5 ? "spread" : "binpack",
  };
});

const FROM_EMPTY_MS = 200;
const ALREADY_PLACED_MS = 300;

function run(label: string, current: Parameters<typeof placePods>[0]["current"]) {
  const t0 = performance.now();
  const r = placePods({ hosts, groups, current, seed: 1 });
  const ms = performance.now() - t0;
  const pods = r.placements.length;
  const unplacedPods = r.unplaced.reduce((n, u) => n + u.slots.length, 0);
  console.log(`${label}: ${ms.toFixed(0)} ms, ${pods} placed, ${unplacedPods} unplaced, ${Math.round((pods / ms) * 1000).toLocaleString("en")} placements/s`);
  return { r, ms };
}

/** Only the first result is kept, so later runs do not pay for collecting a growing heap. */
function runs(label: string, current: Parameters<typeof placePods>[0]["current"]) {
  const first = run(`${label} (1)`, current);
  const ms = [first.ms, run(`${label} (2)`, current).ms, run(`${label} (3)`, current).ms];
  return { first: first.r, ms };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const verdict = (ms: number, target: number) => `${ms <= target ? "met" : "NOT met"}: ${ms.toFixed(0)} ms`;

console.log(`scheduler: ${services * 4} pods (${services} services × 4) on ${hostCount} hosts`);
// One warm-up at a tenth of the size so the JIT has seen the code.
placePods({ hosts: hosts.slice(0, hostCount / 10), groups: groups.slice(0, services / 10), current: [], seed: 1 });
// Each pass is short enough that a collection of the previous one's garbage
// or a neighbour's process shows; run each three times and judge the median.
const empty = runs("from empty", []);
const first = empty.first;
const again = runs("already placed", first.placements);
const moved = again.first.placements.filter((p, i) => first.placements[i]?.host !== p.host).length;
console.log(`already-placed pass moved ${moved} pods (sticky: expect 0)`);
// maxRSS is the process's peak, in KiB: the fleet above and every result kept.
console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
console.log(`target: from empty ≤ ${FROM_EMPTY_MS} ms (median of 3) — ${verdict(median(empty.ms), FROM_EMPTY_MS)}`);
console.log(`target: already placed ≤ ${ALREADY_PLACED_MS} ms (median of 3) — ${verdict(median(again.ms), ALREADY_PLACED_MS)}`);
