import { saveCheckpoint } from '../checkpoint'
import type { Callback, PhaseContext } from './callback'
import type { EarlyStopping } from './early-stopping'
import type { ReduceLrOnPlateau } from './reduce-lr-on-plateau'

/**
 * Writes the run's checkpoint after every epoch: the weights, plus (while the phase goes on) the
 * optimizer's slots and the best weights, and the loop state a resume continues from, including the
 * plateau trackers of early stopping and the learning-rate schedule.
 */
export class Checkpointer implements Callback {
  constructor(
    private readonly dir: string,
    private readonly run: {
      runId: string
      configHash: string
      earlyStopping: EarlyStopping | null
      reduceLr: ReduceLrOnPlateau | null
      /** After the checkpoint is on disk. */
      onSaved?: ((dir: string, sizeBytes: number) => void | Promise<void>) | undefined
    },
  ) {}

  async onEpochEnd(ctx: PhaseContext): Promise<void> {
    const { config } = ctx
    // A finished phase resumes into the next one, which starts a fresh optimizer and a fresh best.
    const done = ctx.phaseDone
    const saved = await saveCheckpoint(
      this.dir,
      ctx.setup.model,
      done ? null : ctx.optimizer,
      done ? null : (this.run.earlyStopping?.bestWeights ?? null),
      {
        runId: this.run.runId,
        configHash: this.run.configHash,
        phaseIndex: ctx.phaseIndex,
        phase: ctx.plan.phase,
        phaseEpochs: ctx.phaseEpochs,
        phaseDone: done,
        epoch: ctx.epoch,
        step: ctx.step,
        learningRate: ctx.learningRate,
        earlyStopping: this.run.earlyStopping?.state ?? null,
        reduceLr: this.run.reduceLr?.state ?? null,
        history: [...ctx.history],
        rng: { shuffleSeed: config.training.seed, augmentSeed: config.augmentation.seed },
      },
    )
    await this.run.onSaved?.(saved.dir, saved.sizeBytes)
  }
}
