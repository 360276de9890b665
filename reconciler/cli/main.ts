#!/usr/bin/env node
/**
 * The `berth` command line. Each subcommand is declared here with its help
 * text; its behaviour lives in a file of its own next to this one.
 */
import { Command, Option } from "commander";
import { berthVersion } from "../version.ts";

// `berth status | head`: a reader that stops early is not an error.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});

const program = new Command("berth")
  .description(
    "GitOps reconciler for fleets of plain Docker hosts.\n\n" +
      "A git repository holds the fleet's desired state (Host, Service, Job, Template,\n" +
      "Policy documents). berth validates it, places every replica on a host, compares\n" +
      "that with the containers really running, and prints or applies the difference\n" +
      "as a health-gated rolling update.",
  )
  .version(berthVersion)
  .showHelpAfterError("(run with --help for usage)")
  .configureHelp({ sortSubcommands: false })
  .option("--no-color", "print no colour (as when NO_COLOR is set and not empty, or the output is not a terminal)")
  .addHelpText(
    "after",
    "\nEnvironment (the operator's; docs/environment.md says which commands read each and its default):\n" +
      "  BERTH_CONFIG              the operator configuration file (--config wins)\n" +
      "  BERTH_STATE_DIR           berth's state folder (--state-dir wins; default ~/.local/state/berth)\n" +
      "  BERTH_GIT_TOKEN           token for an http(s) --repo (BERTH_GIT_USERNAME default x-access-token)\n" +
      "  BERTH_GIT_USERNAME, BERTH_GIT_PASSWORD   a login for an http(s) --repo\n" +
      "  BERTH_REGISTRY_SERVER     the one registry that BERTH_REGISTRY_USERNAME and\n" +
      "                            BERTH_REGISTRY_PASSWORD are sent to\n" +
      "  BERTH_REGISTRY_CONFIG     a docker config.json whose auths berth uses instead of docker's own\n" +
      "  BERTH_SECRET_*            what a Service's secretEnv may read (unless the config says otherwise)\n" +
      "  BERTH_ETCD_USER, BERTH_ETCD_PASSWORD     etcd login for --lock\n" +
      "  BERTH_WEBHOOK_SECRET      the secret git webhooks are checked against (run --webhook-listen)\n" +
      "  BERTH_STATUS_TOKEN        bearer token for the daemon's /status, /metrics and fleet view\n" +
      "  BERTH_LOG_LEVEL           trace, debug, info, warn or error\n" +
      "  BERTH_OBSERVE_CONCURRENCY hosts observed at once (default 32; see docs/scale.md)\n" +
      "  BERTH_COMMIT              the commit berth_build_info reports (an image build sets it)\n" +
      "  DOCKER_HOST               the engine when the repository declares no Host (beats any context)\n" +
      "  DOCKER_TLS_VERIFY, DOCKER_CERT_PATH      TLS for a tcp:// DOCKER_HOST, as for docker\n" +
      "  DOCKER_CONTEXT            the docker context to use instead (default: docker context use's choice)\n" +
      "  DOCKER_CONFIG             docker's folder: contexts and credentials (auths, credHelpers,\n" +
      "                            credsStore, helpers run as docker runs them); default ~/.docker\n" +
      "  SSH_AUTH_SOCK             the ssh-agent for ssh:// engines\n" +
      "  NO_COLOR                  any non-empty value turns colour off, as --no-color does\n" +
      "  CI                        apply prints one line per event instead of the live display\n\n" +
      "Examples:\n" +
      "  berth validate fleet/\n" +
      "  DOCKER_CONTEXT=staging berth plan fleet/\n" +
      "  berth apply --help",
  );

// Read before any subcommand runs, so every place that decides colour (useColor) sees it through NO_COLOR.
program.hook("preAction", (cmd) => {
  if (cmd.opts()["color"] === false) process.env.NO_COLOR = "1";
});

/**
 * The shared-state options (DESIGN §8): with `--lock`, instances of one
 * owner elect a leader on etcd and keep the record and the journal there.
 * `writes`: run and apply also take the lease (and a TTL, a name).
 */
function withLock(cmd: Command, writes: boolean): Command {
  cmd.option("--lock <etcd://host:port,…>", writes ? "elect one leader per owner on this etcd and keep the record and journal there; only the leader writes" : "read the record and journal from this etcd, where instances run with --lock keep them");
  if (writes) cmd.option("--lock-ttl <duration>", "the leader's etcd lease: another instance takes over this long after the leader dies", "10s").option("--instance <name>", "this instance's name in status and in etcd (default: hostname:pid)");
  return cmd
    .option("--etcd-cacert <file>", "CA bundle to verify etcd's certificate (speaks TLS to etcd)")
    .option("--etcd-cert <file>", "client certificate for etcd (with --etcd-key)")
    .option("--etcd-key <file>", "client key for etcd")
    .option("--etcd-user <name>", "etcd user (default $BERTH_ETCD_USER); the password comes from BERTH_ETCD_PASSWORD, never a flag");
}

/** Options every command that reads the desired state accepts. */
function withSource(cmd: Command): Command {
  return cmd
    .option("--repo <url-or-path>", "git repository: an http(s) URL (credentials from BERTH_GIT_TOKEN or BERTH_GIT_USERNAME/BERTH_GIT_PASSWORD) or a local path; default: the current directory's repository")
    .option("--ref <ref>", "branch, tag or commit SHA to read (default: the remote's default branch)")
    .option("--path <dir>", "only read YAML files under this sub-path of the repository")
    .option("--state-dir <dir>", "berth's state folder: git cache, deployment journal, deployment record (default: $BERTH_STATE_DIR or ~/.local/state/berth)")
    .option("--config <file>", "the operator configuration: where secrets may come from, the ceiling for Policies, allowed plain-TCP engines (default: $BERTH_CONFIG, else the safe defaults; see schemas/operator-config.schema.json)");
}

withSource(
  program
    .command("validate")
    .argument("[paths...]", "a folder read as files on disk (an editor, a PR checkout) instead of a commit; or files and folders validated as one set (a pre-commit hook)")
    .description("Parse and validate the repository; print every diagnostic as file:line:col.")
    .addOption(new Option("--format <format>", "output format: text, json, or github (one GitHub Actions annotation per diagnostic)").choices(["text", "json", "github"]).default("text"))
    .addHelpText("after", "\nExit status: 0 valid, 1 invalid.\n\nExamples:\n  berth validate examples-repo\n  berth validate services/web.yaml hosts.yaml templates/\n  berth validate --format github fleet\n  berth validate --repo https://git.example.com/fleet.git --ref main"),
).action(async (paths: string[], opts: Record<string, unknown>) => {
  const { runValidate } = await import("./validate.ts");
  process.exitCode = await runValidate(paths, opts);
});

withSource(
  program
    .command("render")
    .argument("<service>", "the Service or Job to render")
    .argument("[dir]", "a folder read as files on disk instead of a commit")
    .description("Print the expanded pod of one service (main container plus template containers) as YAML.")
    .addOption(new Option("--format <format>", "output format").choices(["yaml", "json"]).default("yaml"))
    .addHelpText("after", "\nSecrets are shown as references (the variable or file they come from), never as values.\n\nExample:\n  berth render web examples-repo"),
).action(async (service: string, dir: string | undefined, opts: Record<string, unknown>) => {
  const { runRender } = await import("./render.ts");
  process.exitCode = await runRender(service, dir, opts);
});

withLock(withSource(
  program
    .command("plan")
    .argument("[dir]", "a folder read as files on disk instead of a commit")
    .option("--owner <id>", "identity of this source on shared hosts (default: the repository URL + path)")
    .description("Observe every host and print what an apply would do, per host and container, with the reason for each change.")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json", "markdown"]).default("text"))
    .option("--out <file>", "save the plan as JSON for a later `berth apply --plan FILE`")
    .option("--detailed-exitcode", "exit 0 when in sync, 2 when changes are pending, 1 on error")
    .addHelpText("after", "\nExit status: 0 ok, 1 error (with --detailed-exitcode: 0 in sync, 2 changes pending)."),
), false).action(async (dir: string | undefined, opts: Record<string, unknown>) => {
  const { runPlan } = await import("./plan.ts");
  process.exitCode = await runPlan(dir, opts);
});

withLock(withSource(
  program
    .command("apply")
    .argument("[dir]", "a folder read as files on disk instead of a commit")
    .option("--owner <id>", "identity of this source on shared hosts (default: the repository URL + path)")
    .description("Carry out a plan as a health-gated rolling update, rolling back on failure where the policy says so.")
    .option("--plan <file>", "apply a plan saved with `berth plan --out` (reviewed then, so apply does not ask); refused if the commit or any host changed since")
    .option("--yes", "apply the plan it prints without asking for confirmation (needed without a terminal, e.g. in CI, unless --plan is given)")
    .option("--json", "print progress and the result as JSON lines (one rollout event a line, then the result); needs --yes or --plan")
    .addHelpText(
      "after",
      "\nOn a terminal, apply prints the plan, as `berth plan` does, and asks \"Apply these changes?\";\n" +
        "only the answer yes goes ahead, anything else changes nothing. A fleet already in sync is not\n" +
        "asked about. Without a terminal (stdin or stdout is not one, as in CI) or with --json, apply\n" +
        "needs --yes or --plan FILE and otherwise stops before it reads anything.\n\n" +
        "Exit status: 0 converged (or in sync), 1 failed (and rolled back where the policy says), not\n" +
        "confirmed, or stopped for want of --yes.\n\n" +
        "With --json, each line is an object: rollout events {type: \"event\", at, service, host?, slot?, pod?, phase, message},\n" +
        "then {type: \"result\", ok, services: [{service, result, reason?}], failedHosts, ms}; an error that\n" +
        "stops apply is the last line, {type: \"error\", error: {code, message}}.\n\n" +
        "Only one apply or run per owner and state folder at a time: a second is refused, naming the\n" +
        "first one's pid. With --lock, apply also takes the etcd lease, and is refused while a daemon leads.\n\n" +
        "Examples:\n" +
        "  berth apply fleet/                                            # shows the plan, asks, applies\n" +
        "  berth apply --repo https://git.example.com/fleet.git --yes    # in CI: no question\n" +
        "  berth plan --out plan.json && berth apply --plan plan.json    # review first, then apply exactly that",
    ),
), true).action(async (dir: string | undefined, opts: Record<string, unknown>) => {
  const { runApply } = await import("./apply.ts");
  process.exitCode = await runApply(dir, opts);
});

withLock(withSource(
  program
    .command("run")
    .description("Run the reconciler daemon: fetch, reconcile, self-heal, run jobs, serve status and metrics.")
    .option("--interval <duration>", "how often to poll the repository", "15s")
    .option("--resync <duration>", "how often each host is looked at again even when nothing happened (one host at a time, spread over the interval)", "5m")
    .option("--listen <addr>", "address for /healthz, /status and /metrics, and for POST /hooks/git unless --webhook-listen is given", "127.0.0.1:9470")
    .option("--webhook-listen <addr>", "serve POST /hooks/git (and /healthz) only on this address, e.g. one the git host can reach while --listen stays private; needs BERTH_WEBHOOK_SECRET")
    .option("--owner <id>", "identity of this source on shared hosts (default: the repository URL + path)")
    .addHelpText(
      "after",
      "\nRuns until signalled; on SIGTERM it finishes the step in progress and exits 0.\n\n" +
        "It reconciles on start, on every new commit (polling; a local repository is also watched),\n" +
        "on POST /hooks/git (signed with BERTH_WEBHOOK_SECRET, as GitHub and Gitea sign it), when an\n" +
        "engine reports a berth container died, stopped, was removed or turned unhealthy, and every\n" +
        "--resync. A commit whose rollout failed is held until a newer one arrives. Jobs run on their\n" +
        "cron schedules. Logs are JSON lines on stderr (readable text on a terminal).\n\n" +
        "With BERTH_STATUS_TOKEN set, /status and /metrics answer 401 unless the request carries\n" +
        "\"Authorization: Bearer <token>\" (berth status sends it from the same variable); /healthz\n" +
        "stays open. Webhook bodies are hashed as they stream in, never held: at most 25 MB each\n" +
        "(413 past it) and 8 at once (503 with Retry-After beyond). Request headers must arrive\n" +
        "within 10 s and a whole request within 30 s.\n\n" +
        "High availability: run two or more instances with the same --repo (and --owner) and\n" +
        "--lock etcd://HOST:PORT[,HOST:PORT…]. They elect one leader on an etcd lease (--lock-ttl,\n" +
        "default 10s); only the leader writes to engines, runs jobs and heals drift, and every write\n" +
        "checks the lease first. Followers keep their source fresh and serve /status with leader: false,\n" +
        "who leads and since when. When the leader dies, another takes over within the TTL plus one\n" +
        "0.5 s poll and finishes its rollout from what the engines show. The record and the journal then live in etcd.\n" +
        "Without --lock a second run for the same owner and state folder is refused.\n\n" +
        "Examples:\n  BERTH_GIT_TOKEN=… berth run --repo https://git.example.com/fleet.git --interval 30s\n" +
        "  berth run --repo https://git.example.com/fleet.git --lock etcd://10.0.0.5:2379,10.0.0.6:2379",
    ),
), true).action(async (opts: Record<string, unknown>) => {
  const { runDaemon } = await import("./run.ts");
  process.exitCode = await runDaemon(opts);
});

withSource(
  program
    .command("status")
    .argument("[dir]", "observe the fleet of this folder instead of asking the daemon")
    .description("Per service: commit, replicas ready/desired, hosts, health, last result.")
    .option("--json", "print JSON")
    .option("--owner <id>", "identity of the source (default: the repository URL + path)")
    .option("--listen <addr>", "where the daemon serves /status", "127.0.0.1:9470")
    .addHelpText("after", "\nAsks the daemon at --listen (sending BERTH_STATUS_TOKEN as a bearer token when it is set); with --repo or a DIR it observes the hosts itself."),
).action(async (dir: string | undefined, opts: Record<string, unknown>) => {
  const { runStatus } = await import("./status.ts");
  process.exitCode = await runStatus(dir, opts);
});

withLock(program
  .command("history")
  .argument("[service]", "only this service")
  .description("What was deployed when, from which commit, and how it ended.")
  .option("--json", "print JSON")
  .option("--owner <id>", "only this source (default: every source in the state folder)")
  .option("--state-dir <dir>", "berth's state folder (default: $BERTH_STATE_DIR or ~/.local/state/berth)")
  .addHelpText("after", "\nRead from the deployment journal that `berth run` keeps (in etcd with --lock, which needs --owner). Roll back with `git revert`."), false)
  .action(async (service: string | undefined, opts: Record<string, unknown>) => {
    const { runHistory } = await import("./history.ts");
    process.exitCode = await runHistory(service, opts);
  });

program
  .command("show")
  .argument("<plan>", "a plan saved with `berth plan --out FILE`")
  .description("Print a saved plan, as `berth plan` prints a fresh one.")
  .addOption(new Option("--format <format>", "output format").choices(["text", "markdown", "json"]).default("text"))
  .addHelpText(
    "after",
    "\nNothing is observed or applied: the plan is printed as it was saved. Markdown is meant for a\n" +
      "pull-request comment and stays under 60,000 characters, summarising a large plan.\n\n" +
      "Exit status: 0 shown, 1 the file is missing or is not a berth plan.\n\n" +
      "Examples:\n  berth plan --out plan.json && berth show plan.json\n  berth show plan.json --format markdown > plan-comment.md",
  )
  .action(async (file: string, opts: Record<string, unknown>) => {
    const { runShow } = await import("./show.ts");
    process.exitCode = runShow(file, opts);
  });

program
  .command("schema")
  .argument("[name]", "print this one schema to stdout as JSON (a name from the list, such as service)")
  .description("Write berth's JSON Schemas into a folder for editors, list them, or print one.")
  .option("--out <dir>", "write every schema into this folder (created if missing; files of the same names are replaced)")
  .addHelpText(
    "after",
    "\nWithout NAME or --out, lists the schemas. The files refer to one another by file name, so the\n" +
      "folder works wherever it is copied. After `berth schema --out schemas` at the root of a fleet\n" +
      "repository, start each YAML file with a modeline naming its kind's schema, relative to the file\n" +
      "(berth.schema.json accepts every kind, for a file that holds several):\n\n" +
      "  # yaml-language-server: $schema=./schemas/host.schema.json       in hosts.yaml\n" +
      "  # yaml-language-server: $schema=../schemas/service.schema.json   in services/web.yaml\n\n" +
      "Exit status: 0 written, listed or printed; 1 an unknown NAME or a folder that cannot be written.\n\n" +
      "Examples:\n  berth schema --out schemas\n  berth schema\n  berth schema service > service.schema.json",
  )
  .action(async (name: string | undefined, opts: { out?: string }) => {
    const { runSchema } = await import("./schema.ts");
    process.exitCode = runSchema(name, opts);
  });

const importCommand = program.command("import").description("Turn other tools' files into berth YAML.");
importCommand
  .command("compose")
  .argument("<file...>", "Compose files, merged in order as `docker compose -f a -f b` merges them")
  .description("Turn Compose files into berth Service files, one per service, warning at file:line:col for what berth cannot honour.")
  .option("--out <dir>", "write one <service>.yaml per service into this folder (default: print them to stdout as one YAML stream)")
  .option("--prefix <name>", "put NAME- before every service name")
  .option("--env-file <file>", "read variables from this file instead of the .env next to the first file (repeatable)", (v: string, prev: string[] = []) => [...prev, v])
  .option("--profile <name>", "also import the services of this Compose profile (repeatable; '*' for all)", (v: string, prev: string[] = []) => [...prev, v])
  .option("--strict", "count every warning as a refusal: exit 1 and write nothing")
  .option("--check", "print only the warnings and refusals, and whether the files can be imported; write nothing")
  .option("--json", "print {ok, diagnostics, services: [{name, compose, file?, document}]} as JSON")
  .addHelpText(
    "after",
    "\nEach Compose service becomes a berth Service with the same name (lowercased to a DNS label).\n" +
      "Variables are interpolated as Compose does (${VAR}, ${VAR:-default}, ${VAR:?error}, $$), from the\n" +
      "environment over .env; anchors, merge keys (<<), extends and profiles work as in Compose.\n\n" +
      "  image, entrypoint, command   image, command (ENTRYPOINT), args (CMD)\n" +
      "  ports \"8080:80\"              a named port and expose: [{port: 8080}]: every host answers on 8080\n" +
      "  volumes                      named volumes stay the engine volumes Compose made; bind mounts\n" +
      "                               become hostPath, which a Policy must allow\n" +
      "  healthcheck, deploy          health; replicas, global mode, resources, placement, rollout\n" +
      "  secrets, secret-looking env  secretEnv references: values are never written\n" +
      "  x-berth: {...}               berth fields Compose cannot say (rollout, placement, uses)\n\n" +
      "build: is refused: berth deploys images, so build and push in CI first. Every key berth cannot\n" +
      "honour is a warning saying what berth does instead; docs/compose.md lists every key.\n\n" +
      "Exit status: 0 imported, 1 refused (or any warning, with --strict).\n\n" +
      "Examples:\n" +
      "  berth import compose compose.yaml --out fleet/ && berth validate fleet/ && berth plan fleet/\n" +
      "  berth import compose compose.yaml compose.prod.yaml --profile tools --out fleet/\n" +
      "  berth import compose --check compose.yaml",
  )
  .action(async (files: string[], opts: Record<string, unknown>) => {
    const { runImportCompose } = await import("./import.ts");
    process.exitCode = runImportCompose(files, opts);
  });

// The command being run, so that an error nothing else caught is still reported in its JSON mode.
let running: Command | undefined;
program.hook("preAction", (_, action) => {
  running = action;
});
try {
  await program.parseAsync(process.argv);
} catch (err) {
  const { fail, failureOf, environmentMask } = await import("./fail.ts");
  const failure = failureOf(err);
  const names: string[] = [];
  for (let c = running; c && c !== program; c = c.parent ?? undefined) names.unshift(c.name());
  process.exitCode = fail(names.join(" "), failure, running?.opts() ?? {});
  // A bug's stack is what its issue needs; BerthErrors say all there is to say in their message.
  if (failure.reaction === "bug" && err instanceof Error && err.stack) process.stderr.write(`${environmentMask(process.env)(err.stack)}\n`);
}
