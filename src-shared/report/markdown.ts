import type { ReportBlock, ReportCell, ReportDocument } from './document'

/** Text safe inside a Markdown table cell or line: no pipes, no line breaks, no stray markup. */
function inline(text: string): string {
  return text
    .replace(/\r?\n/g, ' ')
    .replace(/([\\`*_[\]|<>])/g, '\\$1')
    .trim()
}

const image = (alt: string, file: string) => `![${inline(alt)}](${file.split('/').map(encodeURIComponent).join('/')})`

function cell(c: ReportCell): string {
  if ('image' in c) return image(c.image.alt, c.image.file) + (c.caption ? `<br>${inline(c.caption)}` : '')
  return c.strong ? `**${inline(c.text)}**` : inline(c.text)
}

function block(b: ReportBlock): string {
  switch (b.kind) {
    case 'paragraph':
      return b.role === 'sentence' ? `> ${inline(b.text)}` : b.role === 'note' ? `*${inline(b.text)}*` : inline(b.text)
    case 'heading':
      return `### ${inline(b.text)}`
    case 'table': {
      const head = `| ${b.head.map(inline).join(' | ')} |`
      const rule = `|${b.head.map((_, i) => (i === 0 && b.alignFirstLeft ? ' :--- ' : ' ---: ')).join('|')}|`
      return [head, rule, ...b.rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n')
    }
    case 'figure':
      return `${image(b.image.alt, b.image.file)}\n\n*${inline(b.caption)}*`
    case 'code':
      return `**${inline(b.title)}**\n\n\`\`\`json\n${b.text.replace(/```/g, '`\u200b``')}\n\`\`\``
  }
}

/** The report as Markdown; its images are the PNG files under the report folder it names. */
export function reportMarkdown(doc: ReportDocument): string {
  const parts = [`# ${inline(doc.title)}`, inline(doc.subtitle), `## ${inline(doc.contentsTitle)}`]
  parts.push(doc.sections.map((s, i) => `${i + 1}. [${inline(s.title)}](#${s.id})`).join('\n'))
  for (const s of doc.sections) {
    parts.push(`<a id="${s.id}"></a>\n\n## ${inline(s.title)}`)
    for (const b of s.blocks) parts.push(block(b))
  }
  return `${parts.join('\n\n')}\n`
}
