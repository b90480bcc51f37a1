"""The inline style and script of the `html` report (the page loads nothing from anywhere)."""
from __future__ import annotations

STYLE = """
:root{--error:#b3261e;--warning:#8a5300;--info:#1a5fb4;--ok:#2e7d32;--line:#e3e3e8;--soft:#f6f6f9;--text:#1f1f24;--dim:#5f5f6b}
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--text);margin:0;background:#fff}
header,main,.band{max-width:1100px;margin:0 auto;padding:0 1.5rem}
header{padding-top:1.5rem}
h1{font-size:1.6rem;margin:0 0 .2rem}
h2{font-size:1.15rem;margin:1.8rem 0 .6rem}
.meta,.dim{color:var(--dim)}
code,pre,.mono{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:.9em}
.cards{display:flex;flex-wrap:wrap;gap:.8rem;margin:1rem 0}
.card{flex:1 1 150px;border:1px solid var(--line);border-radius:10px;padding:.7rem 1rem;background:var(--soft)}
.card b{display:block;font-size:1.7rem;line-height:1.2;font-variant-numeric:tabular-nums}
.card.error b{color:var(--error)}.card.warning b{color:var(--warning)}.card.info b{color:var(--info)}.card.fix b{color:var(--ok)}
.card small{display:block;color:var(--dim)}.card code{white-space:nowrap}
.chart svg{width:100%;max-width:820px;height:auto;display:block}
.chart text{font:13px system-ui,sans-serif;fill:var(--text)}
.chart .bar{cursor:pointer}.chart .bar:hover rect.track{fill:#ececf2}.chart .bar.dim{opacity:.3}
rect.error{fill:var(--error)}rect.warning{fill:#c98a00}rect.info{fill:var(--info)}rect.track{fill:transparent}
#filters{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;position:sticky;top:0;z-index:1;background:#fff;
 border-bottom:1px solid var(--line);padding:.6rem 1.5rem;margin:1rem auto 0;max-width:1100px}
#filters[hidden]{display:none}
select{font:inherit;padding:.2rem .4rem}
.skipped li{margin:.2rem 0}
.file{margin-top:2rem;scroll-margin-top:4rem}.group{scroll-margin-top:4rem}
.file>h2{border-bottom:2px solid var(--line);padding-bottom:.3rem;word-break:break-all}
.file>h2 small{font-weight:normal;color:var(--dim);word-break:normal}
.group{border:1px solid var(--line);border-left:4px solid var(--dim);border-radius:8px;margin:1rem 0;padding:.6rem 1rem}
.group.error{border-left-color:var(--error)}.group.warning{border-left-color:#c98a00}.group.info{border-left-color:var(--info)}
.group>h3{font-size:1rem;margin:0 0 .4rem;display:flex;flex-wrap:wrap;gap:.5rem;align-items:baseline}
.sev{font-size:.75rem;text-transform:uppercase;letter-spacing:.04em;font-weight:600;padding:0 .4rem;border-radius:4px;color:#fff}
.sev.error{background:var(--error)}.sev.warning{background:#c98a00}.sev.info{background:var(--info)}
a.code{font-family:ui-monospace,Menlo,Consolas,monospace;color:inherit}
a.about{font-size:.85rem;font-weight:normal}
.group .count{margin-left:auto;font-weight:normal;color:var(--dim);font-variant-numeric:tabular-nums}
.finding{border-top:1px solid var(--line);padding:.5rem 0}
.finding .loc{color:var(--dim);font-size:.85rem;margin-right:.5rem;white-space:nowrap}
.fixmark{font-size:.75rem;border:1px solid currentColor;border-radius:4px;padding:0 .3rem;margin-left:.4rem;white-space:nowrap}
.fixmark.safe{color:var(--ok)}.fixmark.unsafe{color:var(--warning)}
pre.src{background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:.35rem .6rem;margin:.35rem 0;overflow-x:auto;white-space:pre}
pre.src .ln{color:var(--dim);user-select:none;display:inline-block;min-width:3ch;text-align:right;margin-right:.8rem;
 padding-right:.6rem;border-right:1px solid var(--line)}
pre.src mark{background:#ffd54f;color:#000;outline:1px solid #c98a00;border-radius:2px}
pre.src mark.end{padding:0 .25ch}
.note{color:var(--dim);font-size:.9rem}
.more{margin:.4rem 0 0;padding:.4rem .6rem;background:var(--soft);border-radius:6px;font-weight:500}
dialog.doc{max-width:760px;width:calc(100% - 2rem);border:1px solid var(--line);border-radius:12px;padding:1.2rem 1.6rem;
 box-shadow:0 10px 40px rgba(0,0,0,.25)}
dialog.doc::backdrop{background:rgba(20,20,30,.45)}
dialog.doc:target:not([open]){display:block;position:static}
dialog.doc h1{font-size:1.3rem}dialog.doc h2{font-size:1.05rem;margin:1.1rem 0 .3rem}
dialog.doc pre{background:var(--soft);padding:.5rem;border-radius:6px;overflow-x:auto}
dialog.doc .close{float:right;font:inherit;cursor:pointer}
footer{max-width:1100px;margin:3rem auto 2rem;padding:0 1.5rem;color:var(--dim);font-size:.85rem}
[hidden]{display:none!important}
"""

SCRIPT = """
(function () {
  var filters = document.getElementById('filters');
  if (!filters) return;
  filters.hidden = false;
  var rule = document.getElementById('rule'), severity = document.getElementById('severity');
  var status = document.getElementById('shown');
  function apply() {
    var shown = 0, total = 0;
    document.querySelectorAll('section.file').forEach(function (file) {
      var any = false;
      file.querySelectorAll('.group').forEach(function (group) {
        var keep = (!rule.value || group.dataset.code === rule.value) &&
                   (!severity.value || group.dataset.severity === severity.value);
        var count = Number(group.dataset.count);
        group.hidden = !keep; total += count;
        if (keep) { shown += count; any = true; }
      });
      file.hidden = !any;
    });
    status.textContent = rule.value || severity.value ?
      shown.toLocaleString('en-US') + ' of ' + total.toLocaleString('en-US') + ' findings shown' : '';
    document.querySelectorAll('.bar').forEach(function (bar) {
      bar.classList.toggle('dim', !!rule.value && bar.dataset.code !== rule.value);
    });
  }
  rule.addEventListener('change', apply);
  severity.addEventListener('change', apply);
  document.querySelectorAll('.bar').forEach(function (bar) {
    bar.addEventListener('click', function () {
      rule.value = rule.value === bar.dataset.code ? '' : bar.dataset.code;
      apply();
    });
  });
  document.querySelectorAll('a[data-doc]').forEach(function (link) {
    link.addEventListener('click', function (event) {
      var doc = document.getElementById('doc-' + link.dataset.doc);
      if (doc && doc.showModal) { event.preventDefault(); doc.showModal(); }
    });
  });
  document.querySelectorAll('dialog.doc').forEach(function (doc) {
    doc.addEventListener('click', function (event) { if (event.target === doc) doc.close(); });
  });
})();
"""
