import assert from "node:assert/strict";
import { escapeHtml } from "../../../reconciler/web/escape-html.ts";
import { agoText, durationText, timeTag } from "../../../reconciler/web/time-text.ts";
import { cpuText, memoryText } from "../../../reconciler/web/quantities.ts";

describe("fleet view text", () => {
  const escapes = [
    { name: "markup", in: "<script>alert(1)</script>", out: "&lt;script&gt;alert(1)&lt;/script&gt;" },
    { name: "attribute quotes", in: `" onmouseover='x'`, out: "&quot; onmouseover=&#39;x&#39;" },
    { name: "an entity is escaped again, not passed through", in: "&amp;", out: "&amp;amp;" },
    { name: "numbers", in: 3, out: "3" },
  ];
  for (const c of escapes) it(`escapes ${c.name}`, () => assert.equal(escapeHtml(c.in), c.out));

  const durations = [
    [0, "0 s"],
    [999, "0 s"],
    [3_400, "3 s"],
    [59_999, "59 s"],
    [60_000, "1 m"],
    [3_599_000, "59 m"],
    [7_200_000, "2 h"],
    [47 * 3600_000, "47 h"],
    [49 * 3600_000, "2 d"],
  ] as const;
  for (const [ms, text] of durations) it(`prints ${ms} ms as "${text}"`, () => assert.equal(durationText(ms), text));

  it("says ago for the past and in for the future", () => {
    assert.equal(agoText(1_000, 4_000), "3 s ago");
    assert.equal(agoText(4_000 + 300_000, 4_000), "in 5 m");
  });

  it("puts the ISO time on hover and marks the tag for the script", () => {
    const iso = "2026-05-01T11:59:57.000Z";
    assert.equal(timeTag(iso, Date.parse("2026-05-01T12:00:00Z")), `<time datetime="${iso}" title="${iso}" data-t="ago">3 s ago</time>`);
    assert.equal(timeTag(iso, Date.parse("2026-05-01T12:00:00Z"), "elapsed", false), `<time datetime="${iso}" title="${iso}">3 s</time>`);
  });

  it("shows a time that does not parse as it came, escaped", () => assert.equal(timeTag("<soon>", 0), "&lt;soon&gt;"));

  it("prints cpu and memory", () => {
    assert.equal(cpuText(0.755), "0.76");
    assert.equal(memoryText(64 * 1024 ** 2), "64 MiB");
    assert.equal(memoryText(8 * 1024 ** 3), "8.0 GiB");
    assert.equal(memoryText(512 * 1024), "512 KiB");
  });
});
