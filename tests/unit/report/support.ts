import { expect } from 'vitest'

/** Well-formed XML: one root, every element opened is closed in order, attributes quoted. */
export function expectWellFormedXml(text: string): void {
  const body = text.replace(/^<\?xml[^>]*\?>\s*/, '').replace(/<!--[\s\S]*?-->/g, '')
  expect(body.trimStart().startsWith('<svg')).toBe(true)
  const stack: string[] = []
  let roots = 0
  for (const m of body.matchAll(/<(\/?)([a-zA-Z][\w:.-]*)((?:\s+[\w:.-]+="[^"]*")*)\s*(\/?)>|<[^>]*>/g)) {
    const [whole, closing, tag, , selfClosing] = m
    expect(tag, `malformed tag ${whole.slice(0, 80)}`).toBeDefined()
    if (stack.length === 0 && !closing) roots++
    if (selfClosing) continue
    if (closing) expect(stack.pop()).toBe(tag)
    else stack.push(tag!)
  }
  expect(stack).toEqual([])
  expect(roots).toBe(1)
}

/** The image files a Markdown document points at, in order. */
export function markdownImages(md: string): string[] {
  return [...md.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => decodeURIComponent(m[1]!))
}
