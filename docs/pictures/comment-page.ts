/**
 * A pull-request comment as GitHub shows it: the Markdown rendered (GitHub
 * Flavored Markdown, raw HTML such as `<details>` passed through, as GitHub
 * keeps it) inside a page styled like a comment box. Only what berth's
 * Markdown plan uses is styled: headings, tables, lists, code, details.
 */
import { marked } from "marked";

const CSS = `
body { margin: 0; padding: 24px; background: #ffffff; font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, "DejaVu Sans", sans-serif, "Noto Color Emoji"; color: #1f2328; }
.comment { width: 820px; border: 1px solid #d1d9e0; border-radius: 6px; }
.header { background: #f6f8fa; border-bottom: 1px solid #d1d9e0; border-radius: 6px 6px 0 0; padding: 8px 16px; color: #59636e; }
.header b { color: #1f2328; }
.badge { border: 1px solid #d1d9e0; border-radius: 2em; padding: 0 7px; font-size: 12px; margin-left: 6px; }
.body { padding: 16px; }
.body > :first-child { margin-top: 0; }
h3 { font-size: 1.25em; margin: 16px 0 12px; }
p, ul, table, details { margin: 0 0 12px; }
ul { padding-left: 2em; }
code { font: 85% ui-monospace, SFMono-Regular, "DejaVu Sans Mono", Menlo, monospace; background: #eff1f3; border-radius: 6px; padding: .2em .4em; }
table { border-collapse: collapse; }
th, td { border: 1px solid #d1d9e0; padding: 6px 13px; }
th { font-weight: 600; }
tr:nth-child(2n) td { background: #f6f8fa; }
summary { cursor: pointer; }
sub { color: #59636e; }
`;

const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The HTML page of one comment by `author` holding `markdown`. */
export function commentPage(markdown: string, opts: { author: string; when: string }): string {
  const body = marked.parse(markdown, { async: false, gfm: true });
  return `<!doctype html><html><head><meta charset="utf-8"><style>${CSS}</style></head><body>
<div class="comment"><div class="header"><b>${escapeHtml(opts.author)}</b><span class="badge">bot</span> commented ${escapeHtml(opts.when)}</div>
<div class="body">${body}</div></div></body></html>`;
}
