/**
 * Every relative link in README.md and docs/*.md names a file that is in the
 * repository: a reader of a clone (or of the repository's web page) never
 * meets a link to a path outside it, such as `../shared/DESIGN.md`, or to a
 * file that was renamed away.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { lexer, type Token, walkTokens } from "marked";

const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");

/** Folders that exist in a working checkout but not in the repository. */
const NOT_IN_REPO = ["node_modules", "dist", ".bed", ".berth"];

const documents = ["README.md", ...readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

/** The link targets of one Markdown file: links, images, reference definitions, and src/href in raw HTML; code is not read. */
function targets(markdown: string): string[] {
  const tokens = lexer(markdown);
  const found: string[] = Object.values(tokens.links).map((l) => l.href);
  walkTokens(tokens, (t: Token) => {
    if (t.type === "link" || t.type === "image") found.push(t.href);
    if (t.type === "html") for (const m of t.raw.matchAll(/\b(?:src|href)\s*=\s*"([^"]*)"/g)) found.push(m[1]!);
  });
  return found;
}

/** Why `target` (as written in `doc`) is a broken link, or undefined when it names a file in the repository. */
function brokenLink(doc: string, target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("#")) return undefined; // a URL or an anchor in the same page
  if (target.startsWith("/")) return "is absolute: write it relative to the file";
  const file = decodeURIComponent(target.split("#")[0]!.split("?")[0]!);
  const resolved = path.resolve(ROOT, path.dirname(doc), file);
  const inRepo = path.relative(ROOT, resolved);
  if (inRepo.startsWith("..") || path.isAbsolute(inRepo)) return `points outside the repository (${resolved})`;
  if (NOT_IN_REPO.some((d) => inRepo === d || inRepo.startsWith(`${d}/`))) return `points into ${inRepo.split("/")[0]}/, which is not in the repository`;
  if (!existsSync(resolved)) return `names ${inRepo}, which does not exist`;
  return undefined;
}

describe("links in README.md and docs/", () => {
  it("finds the documents and their links", () => {
    assert.ok(documents.includes("docs/plan-format.md"), documents.join(", "));
    assert.ok(targets(readFileSync(path.join(ROOT, "README.md"), "utf8")).length >= 10, "README.md links the docs");
  });

  it("reads links, images, reference definitions and raw HTML, but not code", () => {
    const md = '[a](a.md) ![b](b.png) `[c](c.md)`\n\n```\n[d](d.md)\n```\n\n<img src="e.svg">\n\n| t |\n| - |\n| [f](f.md#x) |\n\n[g]: g.md\n';
    assert.deepEqual(targets(md).sort(), ["a.md", "b.png", "e.svg", "f.md#x", "g.md"]);
  });

  const cases: { name: string; doc: string; target: string; broken: RegExp | undefined }[] = [
    { name: "a doc next to README", doc: "README.md", target: "docs/plan-format.md", broken: undefined },
    { name: "a source file from a doc, with an anchor", doc: "docs/plan-format.md", target: "../reconciler/plan/types.ts#L1", broken: undefined },
    { name: "a URL", doc: "README.md", target: "https://example.com/x", broken: undefined },
    { name: "an anchor", doc: "README.md", target: "#quick-start", broken: undefined },
    { name: "outside the repository", doc: "README.md", target: "../shared/DESIGN.md", broken: /points outside the repository/ },
    { name: "outside, by a doc's own ../..", doc: "docs/x.md", target: "../../shared/STYLE.md", broken: /points outside the repository/ },
    { name: "a file that does not exist", doc: "README.md", target: "docs/nope.md", broken: /names docs\/nope\.md, which does not exist/ },
    { name: "an ignored folder", doc: "README.md", target: ".bed/h1", broken: /points into \.bed\// },
    { name: "an absolute path", doc: "README.md", target: "/docs/ha.md", broken: /is absolute/ },
  ];
  for (const c of cases) {
    it(`judges ${c.name}`, () => {
      const why = brokenLink(c.doc, c.target);
      if (c.broken) assert.match(why ?? "(not broken)", c.broken);
      else assert.equal(why, undefined);
    });
  }

  for (const doc of documents) {
    it(`${doc} links only files in the repository`, () => {
      const broken = targets(readFileSync(path.join(ROOT, doc), "utf8")).flatMap((t) => {
        const why = brokenLink(doc, t);
        return why ? [`${t} ${why}`] : [];
      });
      assert.deepEqual(broken, [], `${doc}: fix or remove these links`);
    });
  }
});
