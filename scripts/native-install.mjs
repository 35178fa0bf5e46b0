// Installs the native TensorFlow backend (@tensorflow/tfjs-node, or -gpu with --gpu) where its own
// install cannot download libtensorflow (storage.googleapis.com unreachable): the same C library is
// taken from TensorFlow's Python wheel on PyPI, staged into the package's deps/ (its install.js skips
// the download when deps/lib holds the library) and the binding is built with node-gyp against Node's
// headers. Idempotent: a second run checks the built binding and stops; downloads are cached.
//
//   npm run native:install [-- --gpu] [-- --force]
//
// Why 2.12.0 and not 2.9.1 (the version tfjs-node 4.22 names): the 2.9.1 wheel has no
// libtensorflow_cc.so.2; its C and eager API lives only in python/_pywrap_tensorflow_internal.so, which
// needs libpython3.10 at load ("undefined symbol: PyTuple_Type"). 2.10 and 2.11 have the same layout.
// 2.12.0 is the first wheel whose libtensorflow_cc.so.2 exports every TF_*/TFE_* symbol the binding
// uses, with no Python dependency; the C API is stable across 2.x, so the binding builds unchanged.
// 2.21.0 (the TensorFlow under the Keras peer) rather than 2.12.0: measured on the same machine in
// the same runs (BENCHMARKS.md), MobileNetV2 ran about 1.7x and a Seed CNN epoch 1.4x faster on it.
// Its wheels are manylinux_2_27 (glibc 2.27 or newer) and its GPU build wants CUDA 12 / cuDNN 9.
import { spawnSync } from 'node:child_process'
import {
  copyFileSync,
  cpSync,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import { cpus, homedir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { findNodeGyp } from './node-gyp.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const unknown = args.filter((a) => !['--gpu', '--force'].includes(a))
if (unknown.length > 0) fail(`unknown option ${unknown[0]} (options: --gpu, --force)`)
const gpu = args.includes('--gpu')
const force = args.includes('--force')

const TF_VERSION = '2.21.0'
const pkgName = gpu ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node'
const wheel = gpu ? `tensorflow==${TF_VERSION}` : `tensorflow-cpu==${TF_VERSION}`
// CUDA 12.5 / cuDNN 9.3: the lowest versions TensorFlow 2.21's own `tensorflow[and-cuda]` extra accepts.
const CUDA_WHEELS = [
  'nvidia-cuda-runtime-cu12==12.5.82',
  'nvidia-cublas-cu12==12.5.3.2',
  'nvidia-cufft-cu12==11.2.3.61',
  'nvidia-curand-cu12==10.3.6.82',
  'nvidia-cusolver-cu12==11.6.3.83',
  'nvidia-cusparse-cu12==12.5.1.3',
  'nvidia-nvjitlink-cu12==12.5.82',
  'nvidia-cudnn-cu12==9.3.0.75',
]
/** pip platform tags the wheels may carry: TensorFlow's are manylinux_2_27, NVIDIA's manylinux2014. */
const PLATFORMS = ['manylinux_2_27_x86_64', 'manylinux2014_x86_64']
/** Every symbol tfjs-node's binding (binding/*.cc) calls; checked in the library before building. */
const BINDING_SYMBOLS = [
  'TFE_ContextListDevices',
  'TFE_DeleteContext',
  'TFE_DeleteContextOptions',
  'TFE_DeleteOp',
  'TFE_DeleteTensorHandle',
  'TFE_Execute',
  'TFE_NewContext',
  'TFE_NewContextOptions',
  'TFE_NewOp',
  'TFE_NewTensorHandle',
  'TFE_OpAddInput',
  'TFE_OpSetAttrBool',
  'TFE_OpSetAttrBoolList',
  'TFE_OpSetAttrFloat',
  'TFE_OpSetAttrFloatList',
  'TFE_OpSetAttrInt',
  'TFE_OpSetAttrIntList',
  'TFE_OpSetAttrShape',
  'TFE_OpSetAttrString',
  'TFE_OpSetAttrType',
  'TFE_TensorHandleCopyToDevice',
  'TFE_TensorHandleDataType',
  'TFE_TensorHandleDim',
  'TFE_TensorHandleNumDims',
  'TFE_TensorHandleResolve',
  'TF_DeleteBuffer',
  'TF_DeleteDeviceList',
  'TF_DeleteGraph',
  'TF_DeleteSession',
  'TF_DeleteSessionOptions',
  'TF_DeviceListCount',
  'TF_DeviceListName',
  'TF_DeviceListType',
  'TF_GraphOperationByName',
  'TF_LoadSessionFromSavedModel',
  'TF_NewBuffer',
  'TF_NewBufferFromString',
  'TF_NewGraph',
  'TF_NewSessionOptions',
  'TF_SessionRun',
  'TF_Version',
  'TF_NewStatus',
  'TF_GetCode',
  'TF_Message',
  'TF_NewTensor',
  'TF_TensorData',
  'TF_DeleteTensor',
]

const cacheDir = process.env.CIFAR_WORKBENCH_CACHE_DIR
  ? resolve(process.env.CIFAR_WORKBENCH_CACHE_DIR)
  : join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'cifar-workbench')
const nativeCache = join(cacheDir, 'native')
const started = Date.now()

function log(text) {
  console.log(`native: ${text}`)
}

function fail(text) {
  console.error(`native: FAILED: ${text}`)
  process.exit(1)
}

function run(command, argv, options = {}) {
  const result = spawnSync(command, argv, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options })
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim()
  return { ok: result.status === 0 && !result.error, output: result.error ? String(result.error.message) : output }
}

function tail(text, lines = 6) {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .slice(-lines)
    .join('\n')
}

function findPython() {
  for (const candidate of [process.env.PYTHON, 'python3', 'python'].filter(Boolean)) {
    if (run(candidate, ['-m', 'pip', '--version']).ok) return candidate
  }
  return null
}

/** pip download of one requirement into the cache, unless a matching wheel is already there. */
function downloadWheel(python, requirement, dir) {
  mkdirSync(dir, { recursive: true })
  const [name, version] = requirement.split('==')
  const prefix = `${name.replace(/-/g, '_')}-${version}-`
  const cached = readdirSync(dir).find((f) => f.startsWith(prefix) && f.endsWith('.whl'))
  if (cached) return join(dir, cached)
  if (!python)
    fail(
      `${requirement} is not cached in ${dir} and no Python with pip was found to download it (install python3-pip, or put the wheel there)`,
    )
  log(`downloading ${requirement} from PyPI…`)
  const r = run(python, [
    '-m',
    'pip',
    'download',
    '--no-deps',
    '--only-binary',
    ':all:',
    '--python-version',
    '3.10',
    ...PLATFORMS.flatMap((p) => ['--platform', p]),
    '--disable-pip-version-check',
    '-d',
    dir,
    requirement,
  ])
  const got = readdirSync(dir).find((f) => f.startsWith(prefix) && f.endsWith('.whl'))
  if (!r.ok || !got) {
    fail(`could not download ${requirement} from PyPI (no network?) and it is not cached in ${dir}: ${tail(r.output, 1)}`)
  }
  return join(dir, got)
}

/** Extracts the members of a wheel (a zip) whose names match, with Python's zipfile (pip needs it anyway). */
function extract(python, wheelFile, dest, patterns) {
  const script = [
    'import sys, zipfile, re, os',
    'wheel, dest, pats = sys.argv[1], sys.argv[2], [re.compile(p) for p in sys.argv[3:]]',
    'with zipfile.ZipFile(wheel) as z:',
    '    for m in z.infolist():',
    '        if not m.is_dir() and any(p.search(m.filename) for p in pats):',
    '            z.extract(m, dest)',
    '            if (m.external_attr >> 16) & 0o111: os.chmod(os.path.join(dest, m.filename), 0o755)',
  ].join('\n')
  const tmp = `${dest}.partial`
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(tmp, { recursive: true })
  const r = run(python ?? 'python3', ['-c', script, wheelFile, tmp, ...patterns])
  if (!r.ok) fail(`could not extract ${wheelFile}: ${tail(r.output, 1)}`)
  rmSync(dest, { recursive: true, force: true })
  renameSync(tmp, dest)
}

/** Hard link (instant, no extra disk) where the cache shares the filesystem, else a copy. */
function place(from, to) {
  rmSync(to, { force: true })
  try {
    linkSync(from, to)
  } catch {
    copyFileSync(from, to)
  }
}

function relink(target, link) {
  rmSync(link, { force: true })
  symlinkSync(target, link)
}

function exportedSymbols(libs) {
  const r = run('nm', ['-D', '--defined-only', ...libs])
  if (!r.ok) return null
  return new Set(
    r.output
      .split('\n')
      .map((l) => l.trim().split(/\s+/)[2]?.replace(/@.*$/, ''))
      .filter(Boolean),
  )
}

/** Loads the package in a child Node (a crash there cannot take this script down) and reports the library. */
function probe(pkgDir) {
  const code = `
    const b = require(require('@mapbox/node-pre-gyp').find(${JSON.stringify(join(pkgDir, 'package.json'))}));
    console.log(JSON.stringify({ tfVersion: b.TF_Version }));`
  const r = run(process.execPath, ['-e', code], { cwd: pkgDir, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' } })
  if (!r.ok) return { ok: false, reason: tail(r.output, 3) }
  const line = r.output.split('\n').find((l) => l.startsWith('{'))
  return line ? { ok: true, ...JSON.parse(line) } : { ok: false, reason: tail(r.output, 3) }
}

// ---------------------------------------------------------------------------------------------------

if (process.platform !== 'linux' || process.arch !== 'x64') {
  fail(
    `this installer covers Linux x64 (the wheels are manylinux x86_64); on ${process.platform}-${process.arch} use \`npm install ${pkgName}@4.22.0\`, whose own install downloads libtensorflow`,
  )
}

const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const tfjsNodeVersion = rootPkg.optionalDependencies?.[pkgName]
if (!tfjsNodeVersion) fail(`${pkgName} is not an optional dependency in package.json`)
const pkgDir = join(root, 'node_modules', ...pkgName.split('/'))
const stampFile = join(pkgDir, 'deps', 'cifar-workbench-native.json')
// `extras`: what this script builds beside the binding (6b); a stamp without them rebuilds.
const stamp = { package: pkgName, version: tfjsNodeVersion, wheel, cudaWheels: gpu ? CUDA_WHEELS : [], extras: ['stderr-guard'] }

// 1. The npm package itself: npm drops an optional dependency whose install script failed, so put it
// back without running that script (it would try the download again).
if (!existsSync(join(pkgDir, 'package.json'))) {
  log(`installing ${pkgName}@${tfjsNodeVersion} from the npm registry without its download step…`)
  const r = run('npm', ['install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: root,
    env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' },
  })
  if (!r.ok || !existsSync(join(pkgDir, 'package.json'))) {
    fail(
      `npm could not install ${pkgName}@${tfjsNodeVersion} (npm registry unreachable and not in npm's cache?): ${tail(r.output, 1)}`,
    )
  }
}
const installedVersion = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version
if (installedVersion !== tfjsNodeVersion)
  fail(`node_modules has ${pkgName}@${installedVersion}, package.json wants ${tfjsNodeVersion}`)

// 2. Already done? The same stamp and a binding that loads.
if (!force && existsSync(stampFile)) {
  const previous = JSON.parse(readFileSync(stampFile, 'utf8'))
  if (
    JSON.stringify({ ...previous, tfVersion: undefined, source: undefined }) ===
    JSON.stringify({ ...stamp, tfVersion: undefined, source: undefined })
  ) {
    const loaded = probe(pkgDir)
    if (loaded.ok) {
      console.log(
        `native: OK ${pkgName}@${tfjsNodeVersion} already installed with libtensorflow ${loaded.tfVersion} (from ${wheel} wheel) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      )
      process.exit(0)
    }
    log(`the installed binding does not load (${loaded.reason.split('\n').pop()}); reinstalling`)
  }
}

// 3. libtensorflow from the wheel (cached extracted).
const python = findPython()
const wheelFile = downloadWheel(python, wheel, join(nativeCache, 'wheels'))
const libCache = join(nativeCache, `${wheel.replace('==', '-')}`)
if (!existsSync(join(libCache, 'tensorflow', 'libtensorflow_cc.so.2'))) {
  log(`extracting libtensorflow and its C headers from ${relative(nativeCache, wheelFile)}…`)
  extract(python, wheelFile, libCache, [
    '^tensorflow/libtensorflow_(cc|framework)\\.so\\.2$',
    // The C API's headers; from 2.16 on they also include tsl/platform and xla/tsl/c.
    '^tensorflow/include/(tensorflow/(c|tsl|core/platform)|tsl/platform|xla/tsl/c)/',
  ])
}
const tfLib = join(libCache, 'tensorflow', 'libtensorflow_cc.so.2')
const fwLib = join(libCache, 'tensorflow', 'libtensorflow_framework.so.2')
if (!existsSync(tfLib) || !existsSync(fwLib))
  fail(`${wheel} does not contain tensorflow/libtensorflow_cc.so.2 and libtensorflow_framework.so.2`)

const symbols = exportedSymbols([tfLib, fwLib])
if (symbols) {
  const missing = BINDING_SYMBOLS.filter((s) => !symbols.has(s))
  if (missing.length > 0)
    fail(
      `libtensorflow from ${wheel} does not export ${missing.length} symbol(s) the binding needs: ${missing.slice(0, 8).join(', ')}`,
    )
  log(`libtensorflow_cc.so.2 exports all ${BINDING_SYMBOLS.length} C/eager API symbols the binding calls`)
} else {
  log('nm (binutils) not found: skipping the symbol check; the build will tell')
}

// 4. Stage deps/ the way tfjs-node's install lays it out (deps-constants.js).
const depsDir = join(pkgDir, 'deps')
const depsLib = join(depsDir, 'lib')
rmSync(depsDir, { recursive: true, force: true })
mkdirSync(depsLib, { recursive: true })
place(tfLib, join(depsLib, 'libtensorflow_cc.so.2'))
place(fwLib, join(depsLib, 'libtensorflow_framework.so.2'))
relink('libtensorflow_cc.so.2', join(depsLib, 'libtensorflow.so')) // -ltensorflow (binding.gyp)
relink('libtensorflow_framework.so.2', join(depsLib, 'libtensorflow_framework.so'))
// The file install.js looks for before downloading; present, a later `npm rebuild` builds from these.
const depsConstants = createRequire(join(pkgDir, 'package.json'))('./scripts/deps-constants.js')
relink('libtensorflow_cc.so.2', depsConstants.depsLibTensorFlowPath)
relink('libtensorflow_framework.so.2', depsConstants.depsLibTensorFlowFrameworkPath)
cpSync(join(libCache, 'tensorflow', 'include'), join(depsDir, 'include'), { recursive: true })

// 5. GPU: CUDA 12 / cuDNN 9 runtime libraries from their wheels, beside libtensorflow. Both TensorFlow
// libraries have RUNPATH $ORIGIN, so the CUDA libraries they dlopen are found in deps/lib without
// LD_LIBRARY_PATH (which a running process could not change for itself).
if (gpu) {
  for (const requirement of CUDA_WHEELS) {
    const file = downloadWheel(python, requirement, join(nativeCache, 'wheels'))
    const dest = join(nativeCache, 'cuda', requirement.replace('==', '-'))
    if (!existsSync(dest)) {
      log(`extracting ${requirement}…`)
      extract(python, file, dest, ['^nvidia/[^/]+/lib/[^/]+\\.so[.0-9]*$'])
    }
    for (const pkg of readdirSync(join(dest, 'nvidia'))) {
      const libDir = join(dest, 'nvidia', pkg, 'lib')
      for (const so of readdirSync(libDir)) place(join(libDir, so), join(depsLib, so))
    }
  }
  log(`CUDA runtime libraries staged in ${relative(root, depsLib)}`)
}

// 6. Build the binding against Node's headers (node-gyp, the same variables node-pre-gyp passes).
const gypScript = findNodeGyp()
if (!gypScript) fail('node-gyp not found (it ships with npm); run this through `npm run native:install`')
const bindingFile = createRequire(join(pkgDir, 'package.json'))('@mapbox/node-pre-gyp').find(join(pkgDir, 'package.json'))
const napiVersion = /napi-v(\d+)/.exec(bindingFile)?.[1]
const nodedir = process.env.npm_config_nodedir || (existsSync('/usr/include/node/node_api.h') ? '/usr' : undefined)
log(`building the binding with node-gyp (${nodedir ? `Node headers in ${nodedir}` : 'Node headers downloaded by node-gyp'})…`)
const build = run(
  process.execPath,
  [
    gypScript,
    'rebuild',
    `--module_name=tfjs_binding`,
    `--module_path=${dirname(bindingFile)}`,
    `--napi_build_version=${napiVersion}`,
    ...(nodedir ? [`--nodedir=${nodedir}`] : []),
    `--jobs=${Math.max(1, cpus().length)}`,
  ],
  {
    cwd: pkgDir,
    env: { ...process.env, ...(nodedir ? { npm_config_nodedir: nodedir } : {}) },
  },
)
if (!build.ok || !existsSync(bindingFile))
  fail(`node-gyp could not build the binding (needs make, g++ and python3):\n${tail(build.output, 12)}`)

// 6b. The stderr guard (scripts/stderr-guard): TensorFlow 2.21 prints two notices while its library
// loads, before TF_CPP_MIN_LOG_LEVEL applies; the engine silences stderr for that moment with it.
const guardDir = join(depsDir, 'stderr-guard')
rmSync(guardDir, { recursive: true, force: true })
cpSync(join(root, 'scripts', 'stderr-guard'), guardDir, { recursive: true })
const guardBuild = run(process.execPath, [gypScript, 'rebuild', ...(nodedir ? [`--nodedir=${nodedir}`] : [])], {
  cwd: guardDir,
  env: { ...process.env, ...(nodedir ? { npm_config_nodedir: nodedir } : {}) },
})
if (!guardBuild.ok || !existsSync(join(guardDir, 'build', 'Release', 'stderr_guard.node')))
  fail(`node-gyp could not build the stderr guard:\n${tail(guardBuild.output, 8)}`)

// 7. Load it for real and record where the library came from (doctor reads this).
const loaded = probe(pkgDir)
if (!loaded.ok) fail(`the binding was built but does not load:\n${loaded.reason}`)
const size = (statSync(tfLib).size / 1024 ** 2).toFixed(0)
writeFileSync(stampFile, `${JSON.stringify({ ...stamp, tfVersion: loaded.tfVersion, source: `PyPI wheel ${wheel}` }, null, 2)}\n`)
console.log(
  `native: OK ${pkgName}@${tfjsNodeVersion} built against libtensorflow ${loaded.tfVersion} (${wheel} wheel, ${size} MiB) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
)
