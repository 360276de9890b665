/**
 * The traffic section of a printed plan, asserted on the lines themselves:
 * ports, the replicas serving now, the routing the rollout's own `route` and
 * `drain` steps make, and each host's proxy.
 */
import assert from "node:assert/strict";
import { formatPlanMarkdown } from "../../../reconciler/plan/format-markdown.ts";
import { formatPlanText, routeChanges } from "../../../reconciler/plan/format-text.ts";
import { summaryLine } from "../../../reconciler/plan/summary-line.ts";
import type { Plan } from "../../../reconciler/plan/types.ts";
import { trafficPlan, WEB_EXPOSE } from "./traffic-fixtures.ts";

/** The lines from `traffic:` up to the blank line before the closing count. */
function trafficSection(p: Plan): string[] {
  const lines = formatPlanText(p).split("\n");
  const from = lines.indexOf("traffic:");
  assert.ok(from > 0, "a traffic section is printed");
  return lines.slice(from, lines.indexOf("", from));
}

describe("the traffic section of a plan", () => {
  it("text: per exposed service its ports, who serves now and what the rollout changes; per host its proxy", () => {
    assert.deepEqual(trafficSection(trafficPlan()), [
      "traffic:",
      "  web: port 18080 → http (8080) on every host",
      "    serving now:",
      "      h1 slot 0: pod p-1 at 10.0.0.1:32768",
      "      h2 slot 1: pod p-2 at 10.0.0.2:32769",
      "    the rollout changes the routes:",
      "      + wave 2: new pod of slot 0 on h1 (after it counts)",
      "      - wave 2: pod p-1 on h1 (drained before it stops)",
      "  proxies:",
      "    h1 (pod px-1): in sync",
      "    h2 (pod px-2): routes differ: pushed before the rollout",
      "    h3: starting: gets every route once it runs; port 18080 held by a container berth does not manage (the proxy cannot answer there)",
    ]);
  });

  it("text: berth's proxy says it is berth's own and global; the closing line counts the proxies to push", () => {
    const out = formatPlanText(trafficPlan()).split("\n");
    assert.ok(out.includes("service berth-proxy (berth's own proxy, global on 3 hosts, spec hash-proxy): 1 to create, 2 unchanged"));
    assert.ok(out.includes("service web (2 replicas, spec hash-v2): 1 to replace, 1 unchanged"));
    assert.equal(out.at(-2), "Plan: 1 to create, 1 to replace, 3 unchanged; routes to push to 1 proxy.");
  });

  it("the routing changes come from the waves' route and drain steps, in wave order: a removed pod is drained, an exited one is not", () => {
    const base = trafficPlan();
    const web = base.services.find((s) => s.name === "web")!;
    const removal = {
      ...web,
      waves: [
        ...web.waves,
        {
          index: 4,
          kind: "remove" as const,
          slots: [2, 3],
          summary: "remove slots 2,3",
          tracks: [
            { slot: 2, host: "h3", steps: [{ verb: "drain" as const, host: "h3", slot: 2, pod: "p-3" }, { verb: "stop" as const, host: "h3", slot: 2, pod: "p-3" }, { verb: "remove" as const, host: "h3", slot: 2, pod: "p-3" }] },
            { slot: 3, host: "h3", steps: [{ verb: "remove" as const, host: "h3", slot: 3, pod: "p-4" }] },
          ],
        },
      ],
    };
    assert.deepEqual(routeChanges(removal), [
      { wave: 2, mark: "+", text: "new pod of slot 0 on h1 (after it counts)" },
      { wave: 2, mark: "-", text: "pod p-1 on h1 (drained before it stops)" },
      { wave: 4, mark: "-", text: "pod p-3 on h3 (drained before it stops)" },
    ]);
  });

  it("text: no replica serving, several ports, no route change, a proxy whose config is unreadable", () => {
    const base = trafficPlan();
    const expose = [...WEB_EXPOSE, { port: 18443, targetPort: "admin", containerPort: 9000 }];
    const p: Plan = {
      ...base,
      services: base.services.map((s) => (s.name === "web" ? { ...s, expose, waves: [] } : s)),
      traffic: { services: [{ service: "web", expose, backends: [] }], proxies: [{ host: "h1", routes: "in-sync", pod: "px-1" }, { host: "h2", routes: "unreadable", pod: "px-2" }] },
    };
    assert.deepEqual(trafficSection(p), [
      "traffic:",
      "  web: ports 18080 → http (8080), 18443 → admin (9000) on every host",
      "    serving now: none",
      "    the rollout changes no route",
      "  proxies:",
      "    h1 (pod px-1): in sync",
      "    h2 (pod px-2): config unreadable: pushed before the rollout",
    ]);
  });

  it("the closing line counts unreadable and differing proxies, not starting ones; a plan without traffic says nothing of proxies", () => {
    const base = trafficPlan();
    const proxies = (routes: ("in-sync" | "differs" | "unreadable" | "starting")[]) => ({ ...base, traffic: { ...base.traffic!, proxies: routes.map((r, i) => ({ host: `h${i + 1}`, routes: r })) } });
    assert.equal(summaryLine(proxies(["differs", "unreadable", "starting"])), "Plan: 1 to create, 1 to replace, 3 unchanged; routes to push to 2 proxies.");
    assert.equal(summaryLine(proxies(["in-sync", "starting"])), "Plan: 1 to create, 1 to replace, 3 unchanged.");
    assert.equal(summaryLine({ ...base, traffic: undefined }), "Plan: 1 to create, 1 to replace, 3 unchanged.");
    assert.equal(summaryLine(proxies(["differs"]), { strong: (s) => `**${s}**` }), "**Plan:** **1** to create, **1** to replace, 3 unchanged; routes to push to **1** proxy.");
  });

  it("markdown: the traffic section folded after the services, with a row per proxy", () => {
    const out = formatPlanMarkdown(trafficPlan());
    assert.ok(out.includes("<details><summary><b>berth-proxy</b> — berth's own proxy, global on 3 hosts: 1 to create, 2 unchanged</summary>"));
    const from = out.indexOf("<details><summary><b>Traffic</b>");
    assert.ok(from > out.indexOf("<b>web</b>"), "after the services");
    assert.equal(
      out.slice(from, out.indexOf("</details>", from) + "</details>".length),
      [
        "<details><summary><b>Traffic</b>: 1 exposed service, 3 proxies (2 not in sync)</summary>",
        "",
        "**web**: port 18080 → `http` (8080) on every host",
        "",
        "- serving now:",
        "  - `h1` slot 0: pod `p-1` at `10.0.0.1:32768`",
        "  - `h2` slot 1: pod `p-2` at `10.0.0.2:32769`",
        "- the rollout changes the routes:",
        "  - ➕ wave 2: new pod of slot 0 on `h1` (after it counts)",
        "  - ➖ wave 2: pod `p-1` on `h1` (drained before it stops)",
        "",
        "| proxy on | pod | routes |",
        "| --- | --- | --- |",
        "| `h1` | `px-1` | in sync |",
        "| `h2` | `px-2` | routes differ: pushed before the rollout |",
        "| `h3` | — | starting: gets every route once it runs; port 18080 held by a container berth does not manage (the proxy cannot answer there) |",
        "",
        "</details>",
      ].join("\n"),
    );
  });

  it("markdown: a comment too long counts the backends, the route changes and the proxies instead", () => {
    const full = formatPlanMarkdown(trafficPlan());
    const out = formatPlanMarkdown(trafficPlan(), { maxChars: full.length - 1 });
    const from = out.indexOf("<details><summary><b>Traffic</b>");
    assert.ok(from > 0);
    const section = out.slice(from, out.indexOf("</details>", from));
    assert.ok(section.includes("**web**: port 18080 → `http` (8080) on every host. Serving now: 2 pods on 2 hosts. The rollout routes 1 new pod and drains 1 pod."), section);
    assert.ok(section.includes("**Proxies**: 1 in sync; 1 routes differ: pushed before the rollout; 1 starting: gets every route once it runs; ports taken on `h3`."), section);
    const tiny = formatPlanMarkdown(trafficPlan(), { maxChars: 1200 });
    assert.ok(tiny.includes("- **Traffic**: 1 exposed service; proxies: 1 in sync; 1 routes differ: pushed before the rollout; 1 starting: gets every route once it runs; ports taken on `h3`"), tiny);
  });
});
