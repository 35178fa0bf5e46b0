import { readFileSync } from 'node:fs'
import type { Page } from 'playwright-core'
import { PNG } from 'pngjs'
import { join } from 'node:path'

/** Clicks `selector`, waits for the download it triggers and saves it under `dir`. */
export async function download(page: Page, selector: string, dir: string): Promise<{ path: string; name: string }> {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.locator(selector).first().click()])
  const path = join(dir, dl.suggestedFilename())
  await dl.saveAs(path)
  return { path, name: dl.suggestedFilename() }
}

export function pngInfo(path: string): { width: number; height: number; colours: number } {
  const png = PNG.sync.read(readFileSync(path))
  const seen = new Set<number>()
  for (let i = 0; i < png.data.length; i += 4) seen.add(png.data.readUInt32BE(i))
  return { width: png.width, height: png.height, colours: seen.size }
}

/** Parses an SVG (or HTML) in the browser itself; returns the parser error, or null. */
export async function parseError(page: Page, text: string, type: 'image/svg+xml' | 'text/html'): Promise<string | null> {
  return page.evaluate(
    ([src, mime]) => {
      // Runs in the page: the browser's own parser (typed loosely, the Node tsconfig has no DOM lib).
      type Doc = { querySelector(q: string): { textContent: string | null } | null }
      const Parser = (globalThis as unknown as { DOMParser: new () => { parseFromString(s: string, t: string): Doc } }).DOMParser
      const doc = new Parser().parseFromString(src, mime)
      const err = doc.querySelector('parsererror')
      return err ? err.textContent : null
    },
    [text, type] as const,
  )
}
