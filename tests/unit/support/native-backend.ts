// Whether the native TensorFlow backend (tfjs-node with a built binding) is here. Tests that need it
// skip with a message on a plain clone, and fail under CI, where .ci/run installs it.
import { existsSync } from 'node:fs'
import { bindingPath, packageDir } from '../../../src-main/engine/backend/native-library'

const dir = packageDir('@tensorflow/tfjs-node')
const binding = dir ? bindingPath(dir) : null

export const nativeBuilt = binding !== null && existsSync(binding)
export const nativeSkipReason = dir
  ? `the @tensorflow/tfjs-node binding is not built (${binding ?? 'no binding path'}): run npm run native:install`
  : '@tensorflow/tfjs-node is not installed: run npm run native:install'
/** Run the native tests here: the backend is installed, or CI requires it (then a missing one fails). */
export const runNativeTests = nativeBuilt || Boolean(process.env.CI)
