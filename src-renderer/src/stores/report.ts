import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { ReportOmission } from '@shared/report/schema'
import type { ReportLanguage } from '@shared/report/strings'
import { api } from '../api'
import { fileName, saveBlob, saveText } from '../charts'
import { desktop, shellCall } from '../desktop'
import { errorMessage } from '../format'

export type ReportOutcome =
  | { kind: 'desktop'; folder: string; pdf: string | null }
  /** Browser mode: both files downloaded; `htmlUrl` opens the report in a tab to print it. */
  | { kind: 'browser'; htmlUrl: string }

function bytesOf(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64)
  const out = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i)
  return out
}

/**
 * The Report action: in the desktop app the shell asks for a folder, the core writes the report and
 * the bundle there and the shell prints the PDF; in a browser the core sends both files and they are
 * downloaded.
 */
export const useReportStore = defineStore('report', () => {
  const busy = ref(false)
  const error = ref<string | null>(null)
  const outcome = shallowRef<ReportOutcome | null>(null)
  const omitted = shallowRef<ReportOmission[]>([])

  function reset(): void {
    const o = outcome.value
    if (o?.kind === 'browser') URL.revokeObjectURL(o.htmlUrl)
    outcome.value = null
    omitted.value = []
    error.value = null
  }

  async function write(ids: string[], lang: ReportLanguage): Promise<void> {
    reset()
    busy.value = true
    try {
      if (desktop()) {
        const written = await shellCall('shell.writeReport', { ids, lang })
        if (written.folder) outcome.value = { kind: 'desktop', folder: written.folder, pdf: written.pdf }
        omitted.value = written.omitted
        return
      }
      const pkg = await api()['report.package']({ ids, lang })
      await saveText(fileName(pkg.name, 'html'), pkg.html, 'text/html')
      await saveBlob(
        fileName(`${pkg.name}-figures`, 'zip'),
        new Blob([bytesOf(pkg.bundleZipBase64)], { type: 'application/zip' }),
      )
      outcome.value = { kind: 'browser', htmlUrl: URL.createObjectURL(new Blob([pkg.html], { type: 'text/html' })) }
      omitted.value = pkg.omitted
    } catch (e) {
      error.value = errorMessage(e)
    } finally {
      busy.value = false
    }
  }

  return { busy, error, outcome, omitted, write, reset }
})
