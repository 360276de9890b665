/**
 * `npm run bed:up | bed:down | bed:status`: the integration test bed of
 * DESIGN §9 — 3 Docker engines, a registry, a git HTTP server, etcd, Prometheus, test images.
 */
import { Command } from "commander";
import { bedDown, bedStatus, bedUp } from "./bed.ts";

const program = new Command("bed").description("berth's integration test bed (DESIGN §9): 3 Docker engines, a registry on 127.0.0.1:5000, a git smart-HTTP server, etcd on 127.0.0.1:2379, Prometheus on 127.0.0.1:9090 scraping the app's pods, sshd on 127.0.0.1:2222 (ssh://berth@127.0.0.1:2222 is engine h2), and the test images. All state lives in .bed/.");

program
  .command("up")
  .description("Bring the bed up (idempotent; quick when it already runs). Installs missing Debian packages when run as root.")
  .action(async () => {
    const r = await bedUp({ log: (l) => console.log(`bed: ${l}`) });
    const what = r.started.length === 0 && r.imagesBuilt.length === 0 ? "already up" : "up";
    console.log(`bed: ${what} in ${r.ms} ms — engines ${r.layout.hosts.map((h) => `${h.name}=${h.ip}`).join(" ")}, registry ${r.layout.registry.addr}, git ${r.layout.git.url}, etcd ${r.layout.etcd.url}, prometheus ${r.layout.prometheus.url}, ssh ${r.layout.ssh.endpoint}`);
  });

program
  .command("down")
  .description("Stop every engine, the registry, the git server, etcd, Prometheus and sshd; unmount and delete what they made. --purge also deletes .bed/.")
  .option("--purge", "delete the state folder (images, engine data) too")
  .action(async (opts: { purge?: boolean }) => {
    const r = await bedDown(opts);
    console.log(`bed: stopped ${r.stopped.length ? r.stopped.join(", ") : "nothing (it was not running)"}`);
    if (r.leftovers.length > 0) {
      console.error(`bed: still left after tear-down:\n  ${r.leftovers.join("\n  ")}`);
      process.exitCode = 1;
    }
  });

program
  .command("status")
  .description("Say which parts of the bed answer.")
  .option("--json", "print JSON")
  .action(async (opts: { json?: boolean }) => {
    const s = await bedStatus();
    if (opts.json) {
      console.log(JSON.stringify(s, null, 2));
    } else {
      for (const c of s.components) console.log(`${c.up ? "up  " : "down"}  ${c.name.padEnd(12)} ${c.address}`);
      if (s.packagesMissing.length) console.log(`missing Debian packages: ${s.packagesMissing.join(", ")}`);
    }
    process.exitCode = s.up ? 0 : 3;
  });

await program.parseAsync(process.argv);
