// Adam on tfjs-node as TensorFlow's own fused ResourceApplyAdam, the op Keras runs: one pass over each
// variable instead of tfjs' dozen separate element-wise ops, each reading and writing a whole tensor.
// That op updates resource variables, so every trained variable gets three (value, m, v) that this
// class keeps between steps. The tfjs variables stay the source of truth: the value is read back
// after every step (sharing the buffer; TensorFlow copies on the next write), a variable changed from
// outside (restored best weights, a checkpoint, setWeights) is noticed by its data id and copied in,
// and the moments are written back to the tfjs slots only when someone asks for them (getWeights).
import * as tf from '../tf'
import { boolAttr, type NodeBackend, typeAttr } from './native-ops'

export interface AdamStep {
  learningRate: number
  beta1: number
  beta2: number
  epsilon: number
  /** beta1^t and beta2^t of this step (t from 1), as the optimizer's accumulators hold them. */
  beta1Power: number
  beta2Power: number
}

export interface AdamSlot {
  name: string
  value: tf.Variable
  m: tf.Variable
  v: tf.Variable
  gradient: tf.Tensor
}

interface Resources {
  value: tf.Tensor
  m: tf.Tensor
  v: tf.Tensor
  /** The tfjs variables' data ids when they last matched the resources (or were copied in). */
  ids: { value: object | null; m: object | null; v: object | null }
  /** The tfjs moment slots the resources were last synced with, and whether they lag behind. */
  slot: { m: tf.Variable; v: tf.Variable }
  slotsStale: boolean
}

let nextId = 0

export class NativeAdamResources {
  private readonly resources = new Map<string, Resources>()
  private readonly prefix = `workbench_adam_${process.pid}_${nextId++}`

  constructor(private readonly backend: NodeBackend) {}

  step(slots: AdamSlot[], hyper: AdamStep): void {
    const { binding } = this.backend
    const float = typeAttr(binding, 'T', binding.TF_FLOAT)
    const applyAttrs = [float, boolAttr(binding, 'use_locking', false), boolAttr(binding, 'use_nesterov', false)]
    tf.tidy(() => {
      const f = Math.fround
      // TensorFlow's Adam adds epsilon to sqrt(v) before the bias correction, tfjs (and Keras) after:
      // epsilon * sqrt(1 - beta2^t) here is the same update.
      const scalars = [
        tf.scalar(f(hyper.beta1Power)),
        tf.scalar(f(hyper.beta2Power)),
        tf.scalar(hyper.learningRate),
        tf.scalar(hyper.beta1),
        tf.scalar(hyper.beta2),
        tf.scalar(hyper.epsilon * Math.sqrt(1 - f(hyper.beta2Power))),
      ]
      for (const slot of slots) {
        const r = this.resourcesFor(slot)
        // A tfjs variable assigned or replaced since the last step (weights restored, setWeights) is copied in.
        if (r.ids.value !== slot.value.dataId) this.assign(r.value, slot.value)
        if (r.ids.m !== slot.m.dataId) this.assign(r.m, slot.m)
        if (r.ids.v !== slot.v.dataId) this.assign(r.v, slot.v)
        this.backend.executeMultipleOutputs('ResourceApplyAdam', applyAttrs, [r.value, r.m, r.v, ...scalars, slot.gradient], 0)
        slot.value.assign(this.read(r.value))
        r.ids = { value: slot.value.dataId, m: slot.m.dataId, v: slot.v.dataId }
        r.slot = { m: slot.m, v: slot.v }
        r.slotsStale = true
      }
    })
  }

  /** Writes the moments into the tfjs slots (before the optimizer's getWeights reads them). */
  syncSlots(): void {
    tf.tidy(() => {
      for (const r of this.resources.values()) {
        if (!r.slotsStale) continue
        // Slots replaced since the last step (setWeights) are newer than the resources: leave them.
        if (r.slot.m.isDisposed || r.slot.v.isDisposed || r.ids.m !== r.slot.m.dataId || r.ids.v !== r.slot.v.dataId) continue
        r.slot.m.assign(this.read(r.m))
        r.slot.v.assign(this.read(r.v))
        r.ids = { ...r.ids, m: r.slot.m.dataId, v: r.slot.v.dataId }
        r.slotsStale = false
      }
    })
  }

  dispose(): void {
    const { binding } = this.backend
    for (const r of this.resources.values()) {
      for (const handle of [r.value, r.m, r.v]) {
        this.backend.executeMultipleOutputs('DestroyResourceOp', [boolAttr(binding, 'ignore_lookup_error', true)], [handle], 0)
        handle.dispose()
      }
    }
    this.resources.clear()
  }

  private resourcesFor(slot: AdamSlot): Resources {
    let r = this.resources.get(slot.name)
    if (r === undefined) {
      const index = this.resources.size
      r = {
        value: this.handle(slot.value.shape, `${this.prefix}_${index}_value`),
        m: this.handle(slot.value.shape, `${this.prefix}_${index}_m`),
        v: this.handle(slot.value.shape, `${this.prefix}_${index}_v`),
        ids: { value: null, m: null, v: null },
        slot: { m: slot.m, v: slot.v },
        slotsStale: false,
      }
      this.resources.set(slot.name, r)
    }
    return r
  }

  private handle(shape: number[], sharedName: string): tf.Tensor {
    const { binding } = this.backend
    return tf.keep(
      this.backend.executeSingleOutput(
        'VarHandleOp',
        [
          { name: 'container', type: binding.TF_ATTR_STRING, value: '' },
          { name: 'shared_name', type: binding.TF_ATTR_STRING, value: sharedName },
          typeAttr(binding, 'dtype', binding.TF_FLOAT),
          { name: 'shape', type: binding.TF_ATTR_SHAPE, value: shape },
        ],
        [],
      ),
    )
  }

  private assign(handle: tf.Tensor, value: tf.Tensor): void {
    const { binding } = this.backend
    this.backend.executeMultipleOutputs('AssignVariableOp', [typeAttr(binding, 'dtype', binding.TF_FLOAT)], [handle, value], 0)
  }

  private read(handle: tf.Tensor): tf.Tensor {
    const { binding } = this.backend
    return this.backend.executeSingleOutput('ReadVariableOp', [typeAttr(binding, 'dtype', binding.TF_FLOAT)], [handle])
  }
}
