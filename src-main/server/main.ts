// `npm run serve` entry: browser mode from the command line, printing the tokened URL.
import { parseArgs } from 'node:util'
import { resolveDataDir } from '../core/data-dir'
import { startBrowserServer, type BrowserServer } from './browser-server'

export const DEFAULT_PORT = 8617

const USAGE = `usage: npm run serve -- [--port N] [--data-dir DIR] [--backend NAME] [--renderer-dir DIR]

Serves the workbench to a browser on 127.0.0.1 (use an SSH tunnel to reach it from another machine).
  --port N        port to listen on (default ${DEFAULT_PORT}; a random free one if that is taken; 0 = random)
  --data-dir DIR  where runs, datasets and models live (env CIFAR_WORKBENCH_HOME; default ~/.cifar-workbench)
  --backend NAME  force tensorflow-gpu | webgpu | tensorflow | wasm | cpu`

function isAddrInUse(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === 'EADDRINUSE'
}

export async function serveMain(argv: string[]): Promise<number> {
  let values: { port?: string; 'data-dir'?: string; backend?: string; 'renderer-dir'?: string; help?: boolean }
  try {
    values = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        'data-dir': { type: 'string' },
        backend: { type: 'string' },
        'renderer-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values
  } catch (error) {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`)
    return 2
  }
  if (values.help) {
    console.log(USAGE)
    return 0
  }
  const requested = values.port === undefined ? DEFAULT_PORT : Number(values.port)
  if (!Number.isInteger(requested) || requested < 0 || requested > 65535) {
    console.error(`error: --port: "${values.port}" is not a port number (0-65535)`)
    return 2
  }
  const options = {
    dataDir: resolveDataDir({ flag: values['data-dir'] ?? null }),
    backend: values.backend ?? null,
    ...(values['renderer-dir'] ? { rendererDir: values['renderer-dir'] } : {}),
  }
  let server: BrowserServer
  try {
    try {
      server = await startBrowserServer({ ...options, port: requested })
    } catch (error) {
      if (!isAddrInUse(error) || values.port !== undefined) throw error
      server = await startBrowserServer({ ...options, port: 0 })
    }
  } catch (error) {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`.split('\n')[0])
    return 1
  }
  console.log(`CIFAR Workbench (browser mode), data in ${server.core.dataDir}`)
  console.log('Open this URL in a browser (the token is required; it changes every start):')
  console.log(`    ${server.url}`)
  console.log('Press Ctrl+C to stop.')
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      void server.close().then(done, done)
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  return 0
}
