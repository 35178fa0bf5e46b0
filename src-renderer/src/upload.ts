// Browser mode: a file chosen in the browser is uploaded (PUT /upload/<kind>, the server's
// src-main/server/uploads.ts) and imported there like a local path. The session cookie authorises it.
import { ContractError, type CallResult } from '@shared/contract'
import type { DatasetInfo } from '@shared/domain/dataset'
import type { BaseModelInfo } from '@shared/domain/model'

export type UploadKind = 'dataset' | 'base-model'
type Result<K extends UploadKind> = K extends 'dataset' ? DatasetInfo : BaseModelInfo

export function uploadFile<K extends UploadKind>(
  kind: K,
  file: File,
  options: { label?: string; jobId?: string; onProgress?: (sent: number, total: number) => void } = {},
): Promise<Result<K>> {
  const query = new URLSearchParams({ name: file.name })
  if (options.label) query.set('label', options.label)
  if (options.jobId) query.set('jobId', options.jobId)
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('PUT', `/upload/${kind}?${query}`)
    xhr.upload.onprogress = (event) => options.onProgress?.(event.loaded, event.lengthComputable ? event.total : file.size)
    xhr.onerror = () => reject(new ContractError('failed', `the upload of ${file.name} broke off`))
    xhr.onload = () => {
      let result: CallResult<Result<K>>
      try {
        result = JSON.parse(xhr.responseText) as CallResult<Result<K>>
      } catch {
        return reject(new ContractError('failed', `the upload of ${file.name} failed (HTTP ${xhr.status})`))
      }
      if (result.ok) resolve(result.value)
      else reject(ContractError.from(result.error))
    }
    xhr.send(file)
  })
}

/**
 * A file's bytes as base64, for the calls that carry an image in the request itself (predictions and
 * Grad-CAM on the user's images): the same path in the desktop app and in browser mode.
 */
export function fileBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader()
    reader.onload = () => resolve(typeof reader.result === 'string' ? reader.result.replace(/^data:[^,]*,/, '') : '')
    reader.onerror = () => reject(reader.error ?? new Error(`cannot read ${file.name}`))
    reader.readAsDataURL(file)
  })
}
