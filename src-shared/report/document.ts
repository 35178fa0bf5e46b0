/**
 * A report as data: sections of paragraphs, tables, figures and code blocks. The HTML and the
 * Markdown writers render the same document, so both files always say the same thing.
 */

export interface ReportImage {
  /** Path relative to the report folder, where the Markdown file points (figures/….png). */
  file: string
  /** What the self-contained HTML embeds: a data: URL (PNG, or SVG for charts). */
  src: string
  alt: string
  /** CSS width in the HTML; the Markdown shows the PNG at its own size. */
  width?: number
}

export type ReportCell = { text: string; strong?: boolean } | { image: ReportImage; caption?: string }

export type ReportBlock =
  | { kind: 'paragraph'; text: string; role?: 'sentence' | 'note' }
  | { kind: 'heading'; text: string }
  | { kind: 'table'; head: string[]; rows: ReportCell[][]; testId?: string; alignFirstLeft?: boolean }
  | { kind: 'figure'; image: ReportImage; caption: string }
  | { kind: 'code'; title: string; text: string }

export interface ReportSection {
  /** Anchor id (stable across languages). */
  id: string
  title: string
  blocks: ReportBlock[]
}

export interface ReportDocument {
  lang: 'en' | 'es'
  title: string
  /** The line under the title (date, number of runs). */
  subtitle: string
  contentsTitle: string
  sections: ReportSection[]
}

export const text = (value: string, strong = false): ReportCell => (strong ? { text: value, strong } : { text: value })
