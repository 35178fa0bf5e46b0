import { ENGLISH_LABELS, SPANISH_LABELS, type ChartLabels } from '../charts/labels'
import type { MetricKey } from '../charts/compare'
import type { RunStatus } from '../domain/run'

/**
 * Every word of the written report, in English and Spanish. The core writes the report with them and
 * the renderer shows the Report action's messages from `ui`, so both say the same thing.
 */
export type ReportLanguage = 'en' | 'es'
export const REPORT_LANGUAGES = ['en', 'es'] as const

export interface ReportStrings {
  title: (names: string) => string
  generated: (date: string, runs: number) => string
  contents: string
  runsTitle: string
  runColumns: { name: string; id: string; model: string; dataset: string; seed: string; status: string; backend: string }
  scratch: string
  transfer: (base: string) => string
  statuses: Record<RunStatus, string>
  statsTitle: string
  statsNeedsTwo: string
  statsFailed: (reason: string) => string
  metricsTitle: string
  metricNames: Record<MetricKey, string>
  best: string
  summariesTitle: string
  summaryColumns: { layer: string; outputShape: string; params: string; trainable: string }
  totalParams: string
  trainableParams: string
  nonTrainableParams: string
  noSummary: string
  yes: string
  no: string
  curvesTitle: string
  runCurves: (run: string, metric: string) => string
  compareFiguresTitle: string
  confusionTitle: string
  confusionOf: (run: string) => string
  confusionDiffNote: (a: string, b: string) => string
  flipsTitle: string
  flipsDirection: (right: string, wrong: string, n: string) => string
  flipsShowing: (shown: number, total: string) => string
  flipsNone: string
  flipsSkipped: (reason: string) => string
  flipColumns: { image: string; trueClass: string; guess: (run: string) => string }
  gradCamTitle: string
  gradCamIntro: string
  gradCamImage: (index: number, trueClass: string) => string
  gradCamCaption: (predicted: string, probability: string, layer: string) => string
  gradCamSkipped: (run: string, reason: string) => string
  gradCamNoImages: string
  configsTitle: string
  figure: string
  /** The report's own section ids (Markdown anchors, HTML ids) stay English; these are headings. */
  skippedTitle: string
  axisPredicted: string
  axisTrue: string
  chart: ChartLabels
  /** The Report action in the app. */
  ui: {
    action: string
    writing: string
    written: (path: string) => string
    pdfWritten: (path: string) => string
    downloaded: string
    printHint: string
    openForPrint: string
    bundle: string
  }
}

export const REPORT_STRINGS: Record<ReportLanguage, ReportStrings> = {
  en: {
    title: (names) => `Comparison report: ${names}`,
    generated: (date, runs) => `Generated ${date} by CIFAR Workbench from ${runs} runs.`,
    contents: 'Contents',
    runsTitle: 'Runs',
    runColumns: {
      name: 'Run',
      id: 'Id',
      model: 'Model',
      dataset: 'Dataset',
      seed: 'Seed',
      status: 'Status',
      backend: 'Backend',
    },
    scratch: 'CNN from scratch',
    transfer: (base) => `transfer learning (${base})`,
    statuses: {
      queued: 'queued',
      running: 'running',
      completed: 'completed',
      failed: 'failed',
      cancelled: 'cancelled',
      interrupted: 'interrupted',
    },
    statsTitle: 'Is the difference real?',
    statsNeedsTwo: 'A statistical comparison needs at least two runs.',
    statsFailed: (reason) => `The statistics could not be computed: ${reason}`,
    metricsTitle: 'Metrics',
    metricNames: {
      testAccuracy: 'Test accuracy',
      bestValAccuracy: 'Best val. accuracy',
      gap: 'Overfitting gap (train − val at best epoch)',
      totalParams: 'Params (total)',
      trainableParams: 'Params (trainable)',
      wallTime: 'Wall time',
      imagesPerSecond: 'Images/s',
    },
    best: 'best',
    summariesTitle: 'Model summaries',
    summaryColumns: { layer: 'Layer (type)', outputShape: 'Output shape', params: 'Param #', trainable: 'Trainable' },
    totalParams: 'Total params',
    trainableParams: 'Trainable params',
    nonTrainableParams: 'Non-trainable params',
    noSummary: 'No model summary was recorded for this run.',
    yes: 'yes',
    no: 'no',
    curvesTitle: 'Training curves',
    runCurves: (run, metric) => `${run}: ${metric}`,
    compareFiguresTitle: 'Side by side',
    confusionTitle: 'Confusion matrices',
    confusionOf: (run) => `Confusion matrix: ${run}`,
    confusionDiffNote: (a, b) =>
      `Difference ${a} − ${b}: positive cells (vermillion) are counts ${a} has more of, negative (blue) counts ${b} has more of.`,
    flipsTitle: 'What changed, image by image',
    flipsDirection: (right, wrong, n) => `Right in ${right}, wrong in ${wrong} (${n} images)`,
    flipsShowing: (shown, total) => `The ${shown} most confident mistakes of ${total}.`,
    flipsNone: 'No image in this direction.',
    flipsSkipped: (reason) => `No flipped images: ${reason}`,
    flipColumns: { image: 'Image', trueClass: 'True class', guess: (run) => run },
    gradCamTitle: 'Where the models look (Grad-CAM)',
    gradCamIntro:
      'Grad-CAM of the predicted class at the last convolutional layer, drawn over the test image in the jet colours (red: most weight; the scale beside each map runs from 0 at the bottom to 1 at the top).',
    gradCamImage: (index, trueClass) => `Test image ${index} (true class: ${trueClass})`,
    gradCamCaption: (predicted, probability, layer) => `predicted ${predicted} (${probability}), layer ${layer}`,
    gradCamSkipped: (run, reason) => `No Grad-CAM for ${run}: ${reason}`,
    gradCamNoImages: 'No test images to explain.',
    configsTitle: 'Configurations',
    figure: 'Figure',
    skippedTitle: 'Not included',
    axisPredicted: 'Predicted class',
    axisTrue: 'True class',
    chart: ENGLISH_LABELS,
    ui: {
      action: 'Report…',
      writing: 'Writing the report…',
      written: (path) => `Report written to ${path}`,
      pdfWritten: (path) => `PDF written to ${path}`,
      downloaded: 'Report and figure bundle downloaded.',
      printHint: 'For a PDF, open the report and print it to PDF from the browser.',
      openForPrint: 'Open for printing',
      bundle: 'Figure bundle (zip)',
    },
  },
  es: {
    title: (names) => `Informe de comparación: ${names}`,
    generated: (date, runs) => `Generado el ${date} por CIFAR Workbench a partir de ${runs} ejecuciones.`,
    contents: 'Contenido',
    runsTitle: 'Ejecuciones',
    runColumns: {
      name: 'Ejecución',
      id: 'Id',
      model: 'Modelo',
      dataset: 'Conjunto de datos',
      seed: 'Semilla',
      status: 'Estado',
      backend: 'Backend',
    },
    scratch: 'CNN desde cero',
    transfer: (base) => `aprendizaje por transferencia (${base})`,
    statuses: {
      queued: 'en cola',
      running: 'en curso',
      completed: 'completada',
      failed: 'fallida',
      cancelled: 'cancelada',
      interrupted: 'interrumpida',
    },
    statsTitle: '¿Es real la diferencia?',
    statsNeedsTwo: 'Una comparación estadística necesita al menos dos ejecuciones.',
    statsFailed: (reason) => `No se pudieron calcular las estadísticas: ${reason}`,
    metricsTitle: 'Métricas',
    metricNames: {
      testAccuracy: 'Precisión en test',
      bestValAccuracy: 'Mejor precisión val.',
      gap: 'Brecha de sobreajuste (entrenamiento − val. en la mejor época)',
      totalParams: 'Parámetros (total)',
      trainableParams: 'Parámetros (entrenables)',
      wallTime: 'Tiempo total',
      imagesPerSecond: 'Imágenes/s',
    },
    best: 'mejor',
    summariesTitle: 'Resúmenes de los modelos',
    summaryColumns: { layer: 'Capa (tipo)', outputShape: 'Forma de salida', params: 'Parámetros', trainable: 'Entrenable' },
    totalParams: 'Parámetros totales',
    trainableParams: 'Parámetros entrenables',
    nonTrainableParams: 'Parámetros no entrenables',
    noSummary: 'Esta ejecución no guardó un resumen del modelo.',
    yes: 'sí',
    no: 'no',
    curvesTitle: 'Curvas de entrenamiento',
    runCurves: (run, metric) => `${run}: ${metric}`,
    compareFiguresTitle: 'Lado a lado',
    confusionTitle: 'Matrices de confusión',
    confusionOf: (run) => `Matriz de confusión: ${run}`,
    confusionDiffNote: (a, b) =>
      `Diferencia ${a} − ${b}: las celdas positivas (bermellón) son recuentos mayores en ${a}, las negativas (azul) mayores en ${b}.`,
    flipsTitle: 'Qué cambió, imagen a imagen',
    flipsDirection: (right, wrong, n) => `Bien en ${right}, mal en ${wrong} (${n} imágenes)`,
    flipsShowing: (shown, total) => `Los ${shown} errores más seguros de ${total}.`,
    flipsNone: 'Ninguna imagen en este sentido.',
    flipsSkipped: (reason) => `Sin imágenes cambiadas: ${reason}`,
    flipColumns: { image: 'Imagen', trueClass: 'Clase real', guess: (run) => run },
    gradCamTitle: 'Dónde miran los modelos (Grad-CAM)',
    gradCamIntro:
      'Grad-CAM de la clase predicha en la última capa convolucional, sobre la imagen de test en colores jet (rojo: más peso; la escala junto a cada mapa va de 0 abajo a 1 arriba).',
    gradCamImage: (index, trueClass) => `Imagen de test ${index} (clase real: ${trueClass})`,
    gradCamCaption: (predicted, probability, layer) => `predicha ${predicted} (${probability}), capa ${layer}`,
    gradCamSkipped: (run, reason) => `Sin Grad-CAM para ${run}: ${reason}`,
    gradCamNoImages: 'No hay imágenes de test que explicar.',
    configsTitle: 'Configuraciones',
    figure: 'Figura',
    skippedTitle: 'No incluido',
    axisPredicted: 'Clase predicha',
    axisTrue: 'Clase real',
    chart: SPANISH_LABELS,
    ui: {
      action: 'Informe…',
      writing: 'Escribiendo el informe…',
      written: (path) => `Informe escrito en ${path}`,
      pdfWritten: (path) => `PDF escrito en ${path}`,
      downloaded: 'Informe y paquete de figuras descargados.',
      printHint: 'Para un PDF, abra el informe e imprímalo como PDF desde el navegador.',
      openForPrint: 'Abrir para imprimir',
      bundle: 'Paquete de figuras (zip)',
    },
  },
}

export function reportStrings(lang: ReportLanguage): ReportStrings {
  return REPORT_STRINGS[lang]
}
