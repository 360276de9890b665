/**
 * The README's progress picture is the screen berth's live output leaves:
 * `replay` must redraw lines in place as a terminal does, keep the colours,
 * and wrap at the width.
 */
import assert from "node:assert/strict";
import { replay, screenSvg, screenText } from "../../../docs/pictures/ansi-svg.ts";

// What a pseudo-terminal delivers: a program's "\n" arrives as "\r\n" (onlcr); a bare "\n" only moves down.
const cases: { name: string; output: string; width?: number; screen: string }[] = [
  { name: "plain lines", output: "a\r\nb\r\n", screen: "a\nb" },
  { name: "a redraw by cursor-up and erase-line (berth's progress)", output: "\x1b[2Kh1 pull\r\n\x1b[2Kh2 pull\r\n\x1b[2A\x1b[2Kh1 ready\r\n\x1b[2Kh2 launch\r\n", screen: "h1 ready\nh2 launch" },
  { name: "a redraw as log-update erases (erase, up, … , column 1)", output: "one\ntwo\n\x1b[2K\x1b[1A\x1b[2K\x1b[1A\x1b[2K\x1b[Gthree\n", screen: "three" },
  { name: "a bare line feed keeps the column", output: "ab\ncd", screen: "ab\n  cd" },
  { name: "a carriage return overwrites from column 1", output: "abcdef\rXY", screen: "XYcdef" },
  { name: "erase to the end of the line", output: "abcdef\r\x1b[3C\x1b[K", screen: "abc" },
  { name: "erase below", output: "a\nb\nc\x1b[2A\r\x1b[J", screen: "" },
  { name: "a long line wraps at the width", output: "abcdefgh", width: 5, screen: "abcde\nfgh" },
  { name: "private modes and window titles draw nothing", output: "\x1b[?25l\x1b]0;title\x07ok\x1b[?25h", screen: "ok" },
];

describe("replay of terminal output", () => {
  for (const c of cases) {
    it(c.name, () => assert.equal(screenText(replay(c.output, c.width ?? 80)), c.screen));
  }

  it("keeps colour and weight per cell, and a reset ends them", () => {
    const [row] = replay("\x1b[1mh1\x1b[22m \x1b[32mready\x1b[39m x\x1b[31;1mE\x1b[0mz", 80);
    const at = (i: number) => row![i]!.style;
    assert.deepEqual([at(0).bold, at(2).bold], [true, false]);
    assert.equal(at(3).fg, "#3fb950");
    assert.equal(at(9).fg, undefined);
    assert.deepEqual([at(10).fg, at(10).bold], ["#ff7b72", true]);
    assert.deepEqual(at(11), {});
  });

  it("draws each styled run as a tspan at its column (leading spaces as the position), text escaped", () => {
    const svg = screenSvg(replay("  a<b \x1b[32mok\x1b[39m", 80), { title: "t & u", width: 80 });
    assert.match(svg, /<tspan x="32\.8">a&lt;b <\/tspan><tspan x="66\.4" fill="#3fb950">ok<\/tspan>/);
    assert.match(svg, />t &amp; u</);
  });
});
