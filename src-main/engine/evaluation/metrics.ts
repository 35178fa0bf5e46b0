import type { ClassMetrics, EpochMetric, Evaluation, Mistake } from '@shared/domain/run'

/** Pure classification metrics from predicted probabilities; no TensorFlow here. */

export interface Predictions {
  /** N × numClasses row-major softmax outputs. */
  probs: Float32Array
  /** True labels, length N. */
  labels: ArrayLike<number>
  /** Index of each evaluated image in the dataset's test split. */
  datasetIndices: ArrayLike<number>
  numClasses: number
}

export function confusionMatrix(p: Predictions): { matrix: number[][]; predicted: Int32Array; confidence: Float32Array } {
  const n = p.labels.length
  const matrix = Array.from({ length: p.numClasses }, () => new Array<number>(p.numClasses).fill(0))
  const predicted = new Int32Array(n)
  const confidence = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    let best = 0
    let bestP = -Infinity
    for (let c = 0; c < p.numClasses; c++) {
      const v = p.probs[i * p.numClasses + c]!
      if (v > bestP) {
        bestP = v
        best = c
      }
    }
    predicted[i] = best
    confidence[i] = bestP
    matrix[p.labels[i]!]![best]! += 1
  }
  return { matrix, predicted, confidence }
}

function safeDiv(a: number, b: number): number {
  return b === 0 ? 0 : a / b
}

export function perClassMetrics(matrix: number[][], classNames: string[]): ClassMetrics[] {
  return matrix.map((row, c) => {
    const tp = row[c]!
    const support = row.reduce((s, v) => s + v, 0)
    const predictedAsC = matrix.reduce((s, r) => s + r[c]!, 0)
    const precision = safeDiv(tp, predictedAsC)
    const recall = safeDiv(tp, support)
    const f1 = safeDiv(2 * precision * recall, precision + recall)
    return { className: classNames[c] ?? String(c), precision, recall, f1, support }
  })
}

export function averages(perClass: ClassMetrics[]): Pick<Evaluation, 'macro' | 'weighted'> {
  const k = perClass.length
  const total = perClass.reduce((s, m) => s + m.support, 0)
  const avg = (key: 'precision' | 'recall' | 'f1', weighted: boolean) =>
    weighted
      ? safeDiv(
          perClass.reduce((s, m) => s + m[key] * m.support, 0),
          total,
        )
      : safeDiv(
          perClass.reduce((s, m) => s + m[key], 0),
          k,
        )
  return {
    macro: { precision: avg('precision', false), recall: avg('recall', false), f1: avg('f1', false) },
    weighted: { precision: avg('precision', true), recall: avg('recall', true), f1: avg('f1', true) },
  }
}

/** The wrong predictions made with the highest confidence, most confident first. */
export function confidentMistakes(p: Predictions, predicted: Int32Array, confidence: Float32Array, limit: number): Mistake[] {
  const wrong: Mistake[] = []
  for (let i = 0; i < p.labels.length; i++) {
    if (predicted[i] !== p.labels[i]) {
      wrong.push({
        index: p.datasetIndices[i]!,
        trueLabel: p.labels[i]!,
        predictedLabel: predicted[i]!,
        confidence: Math.min(1, Math.max(0, confidence[i]!)),
      })
    }
  }
  wrong.sort((a, b) => b.confidence - a.confidence || a.index - b.index)
  return wrong.slice(0, limit)
}

/**
 * The overfitting gap at the epoch with the best validation accuracy, and the epoch with the lowest
 * validation loss; null when no epoch had validation metrics.
 */
export function overfitting(epochs: EpochMetric[]): Evaluation['overfitting'] {
  let best: EpochMetric | null = null
  let lowest: EpochMetric | null = null
  for (const e of epochs) {
    if (e.valAccuracy !== null && (best === null || e.valAccuracy > best.valAccuracy!)) best = e
    if (e.valLoss !== null && (lowest === null || e.valLoss < lowest.valLoss!)) lowest = e
  }
  if (!best || !lowest) return null
  return {
    bestEpoch: best.epoch,
    trainAccuracyAtBest: best.accuracy,
    valAccuracyAtBest: best.valAccuracy!,
    gap: best.accuracy - best.valAccuracy!,
    lowestValLossEpoch: lowest.epoch,
  }
}

export function buildEvaluation(
  p: Predictions,
  opts: { testLoss: number; classNames: string[]; inferenceMsPerImage: number; epochs: EpochMetric[]; mistakes?: number },
): Evaluation {
  const { matrix, predicted, confidence } = confusionMatrix(p)
  const n = p.labels.length
  const correct = matrix.reduce((s, row, c) => s + row[c]!, 0)
  const perClass = perClassMetrics(matrix, opts.classNames)
  return {
    testLoss: opts.testLoss,
    accuracy: safeDiv(correct, n),
    classNames: opts.classNames,
    perClass,
    ...averages(perClass),
    confusionMatrix: matrix,
    mistakes: confidentMistakes(p, predicted, confidence, opts.mistakes ?? 24),
    inferenceMsPerImage: opts.inferenceMsPerImage,
    overfitting: overfitting(opts.epochs),
  }
}
