/**
 * Makes the README's pictures from real output on the test bed:
 *
 *   docs/pictures/plan-comment.png   `berth plan --format markdown` for a
 *       change on a branch, rendered as GitHub shows a pull-request comment
 *       (screenshot by Debian's chromium through puppeteer-core);
 *   docs/pictures/apply-progress.svg `berth apply` of that change under a
 *       pseudo-terminal (util-linux `script`), the screen its live progress
 *       leaves, drawn as SVG.
 *
 * Run with `npx tsx docs/pictures/make.ts` while the bed is up (`npm run
 * bed:up`). The fleet is a git repository in a temporary folder, on the
 * bed's three engines, under an owner of its own; its containers are removed
 * at the end whatever happens, and nothing else on the engines is touched.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import puppeteer from "puppeteer-core";
import { bedStatus } from "../../testbed/bed.ts";
import { engineClient } from "../../testbed/engines.ts";
import { bedLayout, repoRoot } from "../../testbed/layout.ts";
import { replay, screenSvg, screenText } from "./ansi-svg.ts";
import { commentPage } from "./comment-page.ts";

const OUT = path.join(repoRoot, "docs", "pictures");
const CHROMIUM = process.env.BERTH_CHROMIUM ?? "/usr/bin/chromium";
// A terminal window of this size: the picture is the screen it shows at the end, its last ROWS rows.
const COLUMNS = 100;
const ROWS = 30;
const OWNER = `berth-pictures-${process.pid}`;

const service = (name: string, image: string, replicas: number, extra = "") =>
  `# yaml-language-server: $schema=../schemas/service.schema.json
apiVersion: berth/v1
kind: Service
metadata:
  name: ${name}
spec:
  image: 127.0.0.1:5000/berth/${image}
  replicas: ${replicas}
  ports:
    - name: http
      containerPort: 8080
  resources:
    cpu: 0.1
    memory: 32Mi
  health:
    http: { path: /healthz, port: http }
    interval: 1s
    startPeriod: 1s
  placement:
    spread: zone
  rollout:
    maxSurge: 1
    maxUnavailable: 0
    minReady: 1s
    monitor: 2s
  stopGracePeriod: 2s
${extra}`;

const layout = bedLayout();
const status = await bedStatus(layout);
const down = status.components.filter((c) => !c.up && (c.name.startsWith("engine") || c.name === "registry"));
if (down.length > 0) throw new Error(`the test bed is not up (${down.map((c) => c.name).join(", ")} not answering): run \`npm run bed:up\` first`);
if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y --no-install-recommends chromium), or name another with BERTH_CHROMIUM`);

// The Markdown plan marks actions with emoji (➕ 🔁); without a font for them chromium draws empty boxes.
if (spawnSync("fc-list", [":charset=1f501"], { encoding: "utf8" }).stdout.trim() === "") throw new Error("no font has emoji: install Debian's fonts-noto-color-emoji (apt-get install -y --no-install-recommends fonts-noto-color-emoji)");

const work = mkdtempSync(path.join(os.tmpdir(), "berth-pictures-"));
const repo = path.join(work, "fleet");
const state = path.join(work, "state");
const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=Ada Lovelace", "-c", "user.email=ada@example.invalid", ...args], { cwd: repo, encoding: "utf8" }).trim();
const cli = ["--import", "tsx", path.join(repoRoot, "reconciler/cli/main.ts")];
const common = ["--repo", repo, "--owner", OWNER, "--state-dir", state];
const env = { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined };

/** Runs berth without a terminal; its output, or an error with it. */
function berth(args: string[]): string {
  const r = spawnSync(process.execPath, [...cli, ...args], { cwd: repoRoot, env, encoding: "utf8" });
  if (r.status !== 0 && !(args.includes("--detailed-exitcode") && r.status === 2)) throw new Error(`berth ${args.join(" ")} exited ${r.status}:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** Whether this berth's apply knows `--yes` (the confirmation prompt it skips is newer than some branches). */
const applyYes = berth(["apply", "--help"]).includes("--yes") ? ["--yes"] : [];

async function removeOwnContainers(): Promise<number> {
  let removed = 0;
  for (const h of layout.hosts) {
    const docker = engineClient(h);
    const list = await docker.listContainers({ all: true, filters: { label: [`berth.owner=${OWNER}`] } });
    await Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true })));
    removed += list.length;
  }
  return removed;
}

const browser = await puppeteer.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--headless=new"] });
try {
  // main: web and api at app:v1, running on the bed.
  mkdirSync(path.join(repo, "services"), { recursive: true });
  execFileSync("git", ["init", "-q", "-b", "main", repo]);
  writeFileSync(path.join(repo, "hosts.yaml"), readFileSync(path.join(repoRoot, "examples-repo", "hosts.yaml"), "utf8"));
  writeFileSync(path.join(repo, "services", "web.yaml"), service("web", "app:v1", 3, "  env:\n    LOG_LEVEL: info\n"));
  writeFileSync(path.join(repo, "services", "api.yaml"), service("api", "app:v1", 2));
  git("add", ".");
  git("commit", "-q", "-m", "fleet: web and api");
  berth(["apply", ...common, ...applyYes]);
  console.log(`pictures: main applied on the bed as owner ${OWNER}`);

  // The pull request: web moves to app:v2 with a new LOG_LEVEL, and a worker service is added.
  git("checkout", "-q", "-b", "web-v2");
  writeFileSync(path.join(repo, "services", "web.yaml"), service("web", "app:v2", 3, "  env:\n    LOG_LEVEL: warn\n"));
  writeFileSync(path.join(repo, "services", "worker.yaml"), service("worker", "app:v1", 1));
  git("add", ".");
  git("commit", "-q", "-m", "web: app v2, quieter logs; add worker");

  const markdown = berth(["plan", ...common, "--ref", "web-v2", "--format", "markdown"]);
  const page = await browser.newPage();
  await page.setViewport({ width: 880, height: 600, deviceScaleFactor: 2 });
  await page.setContent(commentPage(markdown, { author: "github-actions", when: "now" }), { waitUntil: "load" });
  // A reader opens web's section; GitHub shows every <details> closed.
  await page.evaluate(() => {
    const first = document.querySelector("details");
    if (first) first.open = true;
  });
  const comment = await page.$(".comment");
  if (!comment) throw new Error("the comment page has no .comment element");
  await comment.screenshot({ path: path.join(OUT, "plan-comment.png") });
  console.log(`pictures: docs/pictures/plan-comment.png (${markdown.length} characters of Markdown)`);

  // Applying that change under a pseudo-terminal, as a person at a terminal sees it.
  const shown = ["berth", "apply", "--repo", "fleet", "--ref", "web-v2", ...applyYes];
  const cmd = [process.execPath, ...cli, "apply", ...common, "--ref", "web-v2", ...applyYes].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
  const run = spawnSync("script", ["-qec", `stty cols ${COLUMNS} rows ${ROWS}; ${cmd}`, "/dev/null"], { cwd: repoRoot, env: { ...env, TERM: "xterm-256color" }, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`berth apply under script exited ${run.status}:\n${run.stdout}${run.stderr}`);
  const screen = replay(`\x1b[1m$ ${shown.join(" ")}\x1b[0m\r\n${run.stdout}`, COLUMNS).slice(-ROWS);
  writeFileSync(path.join(OUT, "apply-progress.svg"), screenSvg(screen, { title: "berth apply", width: COLUMNS }));
  console.log(`pictures: docs/pictures/apply-progress.svg (${run.stdout.length} bytes captured), its last frame:\n${screenText(screen)}`);
} finally {
  await browser.close();
  const removed = await removeOwnContainers();
  rmSync(work, { recursive: true, force: true });
  console.log(`pictures: removed ${removed} containers of ${OWNER} and ${work}`);
}
