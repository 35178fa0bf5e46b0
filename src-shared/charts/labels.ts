/** Every piece of text the chart definitions draw; the renderer passes translations, the CLI English. */
export interface ChartLabels {
  step: string
  epoch: string
  loss: string
  accuracy: string
  trainBatch: string
  trainSmoothed: string
  trainEpoch: string
  valEpoch: string
  params: string
  wallTime: string
  classAccuracy: string
  countDiff: string
  finetune: string
  /** e.g. "LR 1e-4". */
  lr: (lr: string) => string
  valAccuracyTitle: string
  valLossTitle: string
  perClassTitle: string
  scatterParamsTitle: string
  scatterTimeTitle: string
  confusionTitle: string
  confusionDiffTitle: (a: string, b: string) => string
}

export const ENGLISH_LABELS: ChartLabels = {
  step: 'Batch (global step)',
  epoch: 'Epoch',
  loss: 'Loss (cross-entropy)',
  accuracy: 'Accuracy (%)',
  trainBatch: 'train (batch)',
  trainSmoothed: 'train (smoothed)',
  trainEpoch: 'train (epoch)',
  valEpoch: 'validation (epoch)',
  params: 'Parameters (total, log scale)',
  wallTime: 'Wall time (min)',
  classAccuracy: 'Class accuracy (%)',
  countDiff: 'Count difference',
  finetune: 'fine-tune',
  lr: (lr) => `LR ${lr}`,
  valAccuracyTitle: 'Validation accuracy',
  valLossTitle: 'Validation loss',
  perClassTitle: 'Per-class accuracy',
  scatterParamsTitle: 'Accuracy vs parameters',
  scatterTimeTitle: 'Accuracy vs training time',
  confusionTitle: 'Confusion matrix',
  confusionDiffTitle: (a, b) => `Confusion matrix difference (${a} − ${b})`,
}

export const SPANISH_LABELS: ChartLabels = {
  step: 'Lote (paso global)',
  epoch: 'Época',
  loss: 'Pérdida (entropía cruzada)',
  accuracy: 'Precisión (%)',
  trainBatch: 'entrenamiento (lote)',
  trainSmoothed: 'entrenamiento (suavizado)',
  trainEpoch: 'entrenamiento (época)',
  valEpoch: 'validación (época)',
  params: 'Parámetros (total, escala log)',
  wallTime: 'Tiempo total (min)',
  classAccuracy: 'Precisión de la clase (%)',
  countDiff: 'Diferencia de recuentos',
  finetune: 'ajuste fino',
  lr: (lr) => `LR ${lr}`,
  valAccuracyTitle: 'Precisión de validación',
  valLossTitle: 'Pérdida de validación',
  perClassTitle: 'Precisión por clase',
  scatterParamsTitle: 'Precisión vs parámetros',
  scatterTimeTitle: 'Precisión vs tiempo de entrenamiento',
  confusionTitle: 'Matriz de confusión',
  confusionDiffTitle: (a, b) => `Diferencia de matrices de confusión (${a} − ${b})`,
}

/** The chart words by language: the one table the renderer, the CLI and the report draw with. */
export const CHART_LABELS: Record<'en' | 'es', ChartLabels> = { en: ENGLISH_LABELS, es: SPANISH_LABELS }

export function formatLr(lr: number): string {
  return lr >= 0.01 ? String(Number(lr.toPrecision(2))) : lr.toExponential(0).replace('e-', 'e-')
}
