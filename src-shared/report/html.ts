import { escapeXml } from '../charts/svg-context'
import type { ReportBlock, ReportCell, ReportDocument } from './document'

function cell(c: ReportCell, tag: 'td' | 'th'): string {
  if ('image' in c) {
    const w = c.image.width ? ` width="${c.image.width}"` : ''
    const caption = c.caption ? `<div class="caption">${escapeXml(c.caption)}</div>` : ''
    return `<${tag} class="image"><img src="${c.image.src}" alt="${escapeXml(c.image.alt)}"${w}>${caption}</${tag}>`
  }
  return `<${tag}${c.strong ? ' class="best"' : ''}>${escapeXml(c.text)}</${tag}>`
}

function block(b: ReportBlock): string {
  switch (b.kind) {
    case 'paragraph':
      return `<p${b.role ? ` class="${b.role}"` : ''}${b.role === 'sentence' ? ' data-testid="report-sentence"' : ''}>${escapeXml(b.text)}</p>`
    case 'heading':
      return `<h3>${escapeXml(b.text)}</h3>`
    case 'table': {
      const head = `<thead><tr>${b.head.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead>`
      const rows = b.rows.map((r) => `<tr>${r.map((c, i) => cell(c, i === 0 && b.alignFirstLeft ? 'th' : 'td')).join('')}</tr>`)
      const id = b.testId ? ` data-table="${escapeXml(b.testId)}"` : ''
      return `<table${id}>${head}<tbody>\n${rows.join('\n')}\n</tbody></table>`
    }
    case 'figure': {
      const w = b.image.width ? ` width="${b.image.width}"` : ''
      return `<figure><img src="${b.image.src}" alt="${escapeXml(b.image.alt)}"${w}><figcaption>${escapeXml(b.caption)}</figcaption></figure>`
    }
    case 'code':
      return `<details open><summary>${escapeXml(b.title)}</summary><pre>${escapeXml(b.text)}</pre></details>`
  }
}

const STYLE = `
body { font-family: 'DejaVu Sans', system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #1b1d21; background: #fff; line-height: 1.45; }
h1 { font-size: 1.7rem; } h2 { margin-top: 2.2rem; border-bottom: 2px solid #d6d9de; padding-bottom: 0.2rem; } h3 { margin-top: 1.4rem; }
table { border-collapse: collapse; margin: 0.8rem 0; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid #d6d9de; padding: 0.3rem 0.6rem; text-align: right; vertical-align: top; }
thead th { background: #f0f1f3; }
tbody th { text-align: left; font-weight: 600; }
td.best { font-weight: 700; background: #d7ecd9; }
td.image, th.image { text-align: center; }
td.image img, th.image img { image-rendering: pixelated; }
.caption { font-size: 0.8rem; color: #4b5059; max-width: 16rem; margin: 0.2rem auto 0; }
table[data-table^="summary"] { font-family: 'DejaVu Sans Mono', monospace; font-size: 0.85rem; }
table[data-table^="summary"] td:nth-child(2), table[data-table^="summary"] thead th:nth-child(-n+2) { text-align: left; }
table[data-table="runs"] td, table[data-table="runs"] th, table[data-table^="flips"] td, table[data-table^="flips"] th { text-align: left; }
thead th:first-child { text-align: left; }
figure { margin: 1.2rem 0; break-inside: avoid; }
figure img { max-width: 100%; height: auto; border: 1px solid #eceef1; }
figcaption { font-weight: 600; margin-top: 0.3rem; }
p.sentence { font-size: 1.1rem; background: #eef5fb; border-left: 4px solid #0072b2; padding: 0.6rem 0.8rem; }
p.note { color: #4b5059; font-style: italic; }
pre { background: #f0f1f3; padding: 0.75rem; overflow: auto; font-size: 0.8rem; white-space: pre-wrap; }
nav ol { columns: 2; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } table, figure, pre { break-inside: avoid; } details > summary { list-style: none; } }
`

/** The report as one HTML file that needs nothing else: styles inline, every image a data: URL, no script. */
export function reportHtml(doc: ReportDocument): string {
  const nav = doc.sections.map((s) => `<li><a href="#${s.id}">${escapeXml(s.title)}</a></li>`).join('')
  const sections = doc.sections
    .map((s) => `<section id="${s.id}">\n<h2>${escapeXml(s.title)}</h2>\n${s.blocks.map(block).join('\n')}\n</section>`)
    .join('\n')
  return `<!doctype html>
<html lang="${doc.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(doc.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeXml(doc.title)}</h1>
<p>${escapeXml(doc.subtitle)}</p>
<nav><h2>${escapeXml(doc.contentsTitle)}</h2><ol>${nav}</ol></nav>
${sections}
</body>
</html>
`
}
