import { main } from '../../../src-main/cli/main'

/** Runs the real CLI entry in this process (importing it once keeps suites fast), capturing its output. */
export async function runCli(dataDir: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const out = process.stdout.write.bind(process.stdout)
  const err = process.stderr.write.bind(process.stderr)
  process.stdout.write = (chunk: string | Uint8Array) => ((stdout += String(chunk)), true)
  process.stderr.write = (chunk: string | Uint8Array) => ((stderr += String(chunk)), true)
  try {
    const code = await main(['--data-dir', dataDir, ...args])
    return { code, stdout, stderr }
  } finally {
    process.stdout.write = out
    process.stderr.write = err
  }
}
