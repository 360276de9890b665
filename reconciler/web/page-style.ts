/**
 * The fleet view's stylesheet, served inline (no external file, font or
 * CDN). Colours follow the system's light or dark scheme; every state also
 * prints its word, so colour is never the only signal. Tables scroll
 * sideways inside their box at phone width instead of squeezing.
 */
export const PAGE_STYLE = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1b1f24;--muted:#59636e;--line:#d0d7de;--ok:#1a7f37;--busy:#0969da;--warn:#9a6700;--bad:#cf222e;--idle:#59636e;--chip:#f6f8fa}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#30363d;--ok:#3fb950;--busy:#4493f8;--warn:#d29922;--bad:#f85149;--idle:#9198a1;--chip:#161b22}}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
header,main,footer{max-width:80rem;margin:0 auto;padding:.5rem 1rem}
header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:baseline;border-bottom:1px solid var(--line)}
h1{font-size:1.2rem;margin:.3rem 0}
h2{font-size:1.05rem;margin:1.2rem 0 .4rem}
code,pre{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{margin:0;white-space:pre-wrap;word-break:break-word}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;min-width:36rem}
th,td{text-align:left;vertical-align:top;padding:.3rem .5rem;border-bottom:1px solid var(--line)}
thead th{font-size:.8rem;color:var(--muted);font-weight:600}
td.num{font-variant-numeric:tabular-nums;white-space:nowrap}
td.num.warn{color:var(--warn);font-weight:600}
td.num.bad{color:var(--bad);font-weight:600}
.badge{display:inline-block;padding:0 .45em;border-radius:1em;border:1px solid currentColor;font-size:.8rem;font-weight:600;white-space:nowrap}
.badge.ok{color:var(--ok)}.badge.busy{color:var(--busy)}.badge.warn{color:var(--warn)}.badge.bad{color:var(--bad)}.badge.idle{color:var(--idle)}
.badge.bad::before{content:"\\2715\\a0"}.badge.warn::before{content:"!\\a0"}.badge.ok::before{content:"\\2713\\a0"}.badge.busy::before{content:"\\21bb\\a0"}
.note,.none,.engine{color:var(--muted)}
.none{font-style:italic}
.reason{word-break:break-word}
.summary{font-size:1rem;margin:.8rem 0}
dl.source{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:0}
dl.source dt{color:var(--muted)}dl.source dd{margin:0;word-break:break-all}
details>summary{cursor:pointer}
summary:focus-visible,a:focus-visible,button:focus-visible{outline:2px solid var(--busy);outline-offset:2px}
ul{margin:.3rem 0;padding-left:1.2rem}
ul.diagnostics code{color:var(--bad)}
meter{width:6rem;height:.8rem;vertical-align:middle}
#live{color:var(--muted);font-size:.85rem}
#live.bad{color:var(--bad)}
form.login{display:flex;flex-wrap:wrap;gap:.5rem;margin:1rem 0}
input,button{font:inherit;padding:.3rem .6rem}
@media (max-width:40rem){body{font-size:14px}header,main,footer{padding:.4rem .6rem}dl.source{grid-template-columns:1fr}}
`;
