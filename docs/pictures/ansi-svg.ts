/**
 * Terminal output (as `script` captures it, ANSI sequences and all) to the
 * screen it leaves, and that screen to an SVG picture.
 *
 * `replay` keeps only what a live progress display uses: text, CR/LF,
 * backspace, cursor moves (CUU/CUD/CUF/CUB/CHA/CUP), erase in line and in
 * display, and SGR colours and weights; everything else (cursor visibility,
 * window titles) changes nothing on the screen and is skipped. Lines wrap
 * at the terminal's width, as a terminal with autowrap does.
 */

export interface CellStyle {
  readonly fg?: string;
  readonly bold?: boolean;
  readonly dim?: boolean;
  readonly italic?: boolean;
  readonly underline?: boolean;
}

export interface Cell {
  readonly ch: string;
  readonly style: CellStyle;
}

/** GitHub's dark terminal palette, for SGR 30–37 and 90–97. */
const PALETTE = ["#484f58", "#ff7b72", "#3fb950", "#d29922", "#58a6ff", "#bc8cff", "#39c5cf", "#b1bac4", "#6e7681", "#ffa198", "#56d364", "#e3b341", "#79c0ff", "#d2a8ff", "#56d4dd", "#ffffff"];

function sgr(style: CellStyle, params: number[]): CellStyle {
  let s: CellStyle = style;
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    if (p === 0) s = {};
    else if (p === 1) s = { ...s, bold: true };
    else if (p === 2) s = { ...s, dim: true };
    else if (p === 3) s = { ...s, italic: true };
    else if (p === 4) s = { ...s, underline: true };
    else if (p === 22) s = { ...s, bold: false, dim: false };
    else if (p === 23) s = { ...s, italic: false };
    else if (p === 24) s = { ...s, underline: false };
    else if (p >= 30 && p <= 37) s = { ...s, fg: PALETTE[p - 30] };
    else if (p >= 90 && p <= 97) s = { ...s, fg: PALETTE[p - 90 + 8] };
    else if (p === 39) s = { ...s, fg: undefined };
    else if (p === 38 && params[i + 1] === 5) {
      const n = params[i + 2] ?? 7;
      s = { ...s, fg: n < 16 ? PALETTE[n] : undefined };
      i += 2;
    } else if (p === 38 && params[i + 1] === 2) {
      const [r, g, b] = params.slice(i + 2, i + 5).map((v) => v.toString(16).padStart(2, "0"));
      s = { ...s, fg: `#${r}${g}${b}` };
      i += 4;
    }
    // Backgrounds (40–49, 100–107, 48;…) are not drawn: the progress does not use them.
    else if (p === 48) i += params[i + 1] === 5 ? 2 : 4;
  }
  return s;
}

/** The screen `output` leaves on a terminal `width` columns wide: one array of cells a row, trailing blank rows dropped. */
export function replay(output: string, width: number): Cell[][] {
  const rows: Cell[][] = [[]];
  let row = 0;
  let col = 0;
  let style: CellStyle = {};
  const line = (r: number) => {
    while (rows.length <= r) rows.push([]);
    return rows[r]!;
  };
  const blank = (): Cell => ({ ch: " ", style: {} });
  for (let i = 0; i < output.length; i++) {
    const c = output[i]!;
    if (c === "\x1b") {
      const csi = /^\x1b\[([?>=]?)([0-9;]*)([A-Za-z@`])/.exec(output.slice(i, i + 32));
      const osc = /^\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/.exec(output.slice(i, i + 512));
      if (osc) {
        i += osc[0].length - 1;
        continue;
      }
      if (!csi) {
        i += 1; // a two-byte escape (ESC 7, ESC 8, ESC =): nothing the pictures need
        continue;
      }
      i += csi[0].length - 1;
      if (csi[1] !== "") continue; // private modes: cursor visibility, bracketed paste
      const params = csi[2] === "" ? [] : csi[2]!.split(";").map((p) => (p === "" ? 0 : Number(p)));
      const n = Math.max(1, params[0] ?? 1);
      switch (csi[3]) {
        case "A":
          row = Math.max(0, row - n);
          break;
        case "B":
          row += n;
          break;
        case "C":
          col = Math.min(width - 1, col + n);
          break;
        case "D":
          col = Math.max(0, col - n);
          break;
        case "G":
          col = Math.min(width - 1, n - 1);
          break;
        case "H":
        case "f":
          row = Math.max(1, params[0] ?? 1) - 1;
          col = Math.max(1, params[1] ?? 1) - 1;
          break;
        case "K": {
          const l = line(row);
          const mode = params[0] ?? 0;
          if (mode === 2) l.length = 0;
          else if (mode === 0) l.length = Math.min(l.length, col);
          else for (let k = 0; k <= col && k < l.length; k++) l[k] = blank();
          break;
        }
        case "J": {
          const mode = params[0] ?? 0;
          if (mode === 0) {
            line(row).length = Math.min(line(row).length, col);
            rows.length = row + 1;
          } else if (mode === 2 || mode === 3) {
            rows.length = 0;
            rows.push([]);
          }
          break;
        }
        case "m":
          style = sgr(style, params.length === 0 ? [0] : params);
          break;
      }
      continue;
    }
    if (c === "\r") col = 0;
    else if (c === "\n") row++;
    else if (c === "\b") col = Math.max(0, col - 1);
    else if (c === "\t") col = Math.min(width - 1, (Math.floor(col / 8) + 1) * 8);
    else if (c >= " ") {
      if (col >= width) {
        row++;
        col = 0;
      }
      const l = line(row);
      while (l.length < col) l.push(blank());
      l[col] = { ch: c, style };
      col++;
    }
  }
  line(row);
  while (rows.length > 1 && rows[rows.length - 1]!.every((cell) => cell.ch === " ")) rows.pop();
  return rows;
}

/** The screen as plain text, one line a row (for tests and for checking a picture by eye). */
export function screenText(rows: readonly Cell[][]): string {
  return rows.map((r) => r.map((c) => c.ch).join("").trimEnd()).join("\n");
}

const escapeXml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** An SVG of `rows` in a terminal window: a title bar with `title`, then every row, each run of one style a tspan at its column. */
export function screenSvg(rows: readonly Cell[][], opts: { title: string; width: number }): string {
  const fontSize = 14;
  const charW = fontSize * 0.6;
  const lineH = 20;
  const pad = 16;
  const bar = 32;
  const w = Math.ceil(opts.width * charW + 2 * pad);
  const h = bar + pad + rows.length * lineH + pad;
  const text = rows.map((cells, r) => {
    const runs: string[] = [];
    let k = 0;
    while (k < cells.length) {
      const s = cells[k]!.style;
      let end = k;
      while (end < cells.length && sameStyle(cells[end]!.style, s)) end++;
      const chars = cells.slice(k, end).map((c) => c.ch).join("");
      // Leading spaces become the x position: renderers collapse them despite xml:space.
      const lead = chars.length - chars.trimStart().length;
      if (chars.trim() !== "") {
        const attrs = [`x="${(pad + (k + lead) * charW).toFixed(1)}"`];
        if (s.fg) attrs.push(`fill="${s.fg}"`);
        if (s.bold) attrs.push(`font-weight="bold"`);
        if (s.dim) attrs.push(`opacity="0.6"`);
        if (s.italic) attrs.push(`font-style="italic"`);
        if (s.underline) attrs.push(`text-decoration="underline"`);
        runs.push(`<tspan ${attrs.join(" ")}>${escapeXml(chars.slice(lead))}</tspan>`);
      }
      k = end;
    }
    return `  <text y="${bar + pad + (r + 1) * lineH - 5}">${runs.join("")}</text>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="ui-monospace, SFMono-Regular, 'DejaVu Sans Mono', Menlo, Consolas, monospace" font-size="${fontSize}" fill="#e6edf3" xml:space="preserve">`,
    `  <rect width="${w}" height="${h}" rx="8" fill="#0d1117"/>`,
    `  <rect width="${w}" height="${bar}" rx="8" fill="#161b22"/><rect y="${bar - 8}" width="${w}" height="8" fill="#161b22"/>`,
    `  <circle cx="18" cy="16" r="6" fill="#ff5f57"/><circle cx="38" cy="16" r="6" fill="#febc2e"/><circle cx="58" cy="16" r="6" fill="#28c840"/>`,
    `  <text x="${w / 2}" y="21" text-anchor="middle" fill="#8b949e" font-size="12">${escapeXml(opts.title)}</text>`,
    ...text,
    "</svg>",
    "",
  ].join("\n");
}

function sameStyle(a: CellStyle, b: CellStyle): boolean {
  return a.fg === b.fg && !!a.bold === !!b.bold && !!a.dim === !!b.dim && !!a.italic === !!b.italic && !!a.underline === !!b.underline;
}
