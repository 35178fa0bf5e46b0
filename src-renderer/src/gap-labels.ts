import { computed, type ComputedRef } from 'vue'
import { useI18n } from 'vue-i18n'
import type { GapChartLabels } from '@shared/charts/gap'
import { useChartLabels } from './charts'

/** The gap chart's words in the user's language. */
export function useGapLabels(): ComputedRef<GapChartLabels> {
  const { t } = useI18n()
  const chart = useChartLabels()
  return computed(() => ({
    epoch: chart.value.epoch,
    accuracyGap: t('gap.accuracyAxis'),
    lossGap: t('gap.lossAxis'),
    best: (run: string) => t('gap.bestOf', { run }),
    unfrozen: t('gap.unfrozen'),
    bestLine: (epoch: number) => t('gap.bestLine', { epoch }),
  }))
}
