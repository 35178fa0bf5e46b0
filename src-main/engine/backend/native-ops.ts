// The parts of tfjs-node's NodeJSKernelBackend that our replacement kernels and the native Adam call:
// TensorFlow eager ops by name, with their attributes, on tensor handles the backend holds.
import * as tf from '../tf'

export interface NodeBinding {
  TF_ATTR_TYPE: number
  TF_ATTR_BOOL: number
  TF_ATTR_STRING: number
  TF_ATTR_SHAPE: number
  TF_FLOAT: number
  TF_BOOL: number
}

export interface NodeBackend {
  binding: NodeBinding
  executeSingleOutput(name: string, attrs: object[], inputs: tf.Tensor[]): tf.Tensor
  executeMultipleOutputs(name: string, attrs: object[], inputs: tf.Tensor[], numOutputs: number): tf.Tensor[]
}

export function isNodeBackend(backend: unknown): backend is NodeBackend {
  const b = backend as Partial<NodeBackend> | null
  return (
    typeof b?.executeSingleOutput === 'function' &&
    typeof b.executeMultipleOutputs === 'function' &&
    typeof b.binding === 'object'
  )
}

/** The tfjs-node backend when it is the active one, else null. */
export function activeNodeBackend(): NodeBackend | null {
  if (tf.getBackend() !== 'tensorflow') return null
  const backend = tf.backend()
  return isNodeBackend(backend) ? backend : null
}

export function typeAttr(binding: NodeBinding, name: string, value: number): object {
  return { name, type: binding.TF_ATTR_TYPE, value }
}

export function boolAttr(binding: NodeBinding, name: string, value: boolean): object {
  return { name, type: binding.TF_ATTR_BOOL, value }
}
