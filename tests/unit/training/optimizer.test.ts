import { describe, expect, it } from 'vitest'
import * as tf from '../../../src-main/engine/tf'
import { createOptimizer, setLearningRate } from '../../../src-main/engine/training/optimizer'

describe('learning rate changes (ReduceLROnPlateau)', () => {
  it.each(['adam', 'sgd', 'rmsprop'] as const)('%s takes the new rate and uses it in the next step', (kind) => {
    const optimizer = createOptimizer(kind, 0.1)
    const w = tf.variable(tf.tensor1d([1]))
    const step = () => {
      const before = w.dataSync()[0]!
      optimizer.minimize(() => tf.sum<tf.Scalar>(tf.square(w)))
      return Math.abs(w.dataSync()[0]! - before)
    }
    const first = step()
    setLearningRate(optimizer, 0.001)
    expect((optimizer as unknown as { learningRate: number }).learningRate).toBe(0.001)
    // Every optimizer here moves about in proportion to its rate: a 100x smaller rate, a much smaller step.
    expect(step()).toBeLessThan(first / 20)
    optimizer.dispose()
    w.dispose()
  })
})
