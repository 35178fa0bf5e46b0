import type { z } from 'zod'
import { compareMethods } from './compare-methods'
import { datasetMethods, modelMethods, runMethods, systemMethods, trainingMethods } from './methods'
import { inferenceMethods } from './inference-methods'
import { reportMethods } from './report-methods'

export * from './define'
export * from './events'
export * from './methods'
export * from './compare-methods'
export * from './shell'
export * from './inference-methods'
export * from './report-methods'

/** Every call between a shell (renderer, CLI) and the core. The single source of truth. */
export const contract = {
  ...systemMethods,
  ...datasetMethods,
  ...modelMethods,
  ...runMethods,
  ...trainingMethods,
  ...compareMethods,
  ...inferenceMethods,
  ...reportMethods,
} as const

export type Contract = typeof contract
export type MethodName = keyof Contract
/** What a caller sends (defaults may be omitted). */
export type Input<M extends MethodName> = z.input<Contract[M]['input']>
/** What the core's handler receives after validation (defaults filled). */
export type ParsedInput<M extends MethodName> = z.output<Contract[M]['input']>
export type Output<M extends MethodName> = z.output<Contract[M]['output']>

/** The typed API every shell exposes to the renderer: one async function per method. */
export type Api = { [M in MethodName]: (input: Input<M>) => Promise<Output<M>> }

export const methodNames = Object.keys(contract) as MethodName[]

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(contract, name)
}
