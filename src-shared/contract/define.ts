import { z } from 'zod'

/** A request/response pair of the contract. */
export interface MethodDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I
  output: O
  description: string
}

export function method<I extends z.ZodType, O extends z.ZodType>(input: I, output: O, description: string): MethodDef<I, O> {
  return { input, output, description }
}

/** Error codes every transport carries unchanged. */
export const ErrorCode = z.enum([
  'invalid_input', // the payload failed the contract's schema
  'not_found',
  'conflict', // e.g. a duplicate import or a run already running
  'failed', // the operation ran and failed (bad archive, wrong weights file…)
  'cancelled',
  'unavailable', // not possible in this shell or on this machine
  'unknown_method',
  'unauthorized',
  'internal',
])
export type ErrorCode = z.infer<typeof ErrorCode>

export const ContractErrorShape = z.object({
  code: ErrorCode,
  message: z.string(),
  /** For invalid_input: one entry per failing field, path joined with dots. */
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
})
export type ContractErrorShape = z.infer<typeof ContractErrorShape>

/** The error thrown by services and re-thrown on the caller's side of any transport. */
export class ContractError extends Error {
  readonly code: ErrorCode
  readonly issues: ContractErrorShape['issues']
  constructor(code: ErrorCode, message: string, issues?: ContractErrorShape['issues']) {
    // One line, whatever a library put in its message: CLIs print it as `error: …`, views in a banner.
    super(message.replace(/\s*\n\s*/g, ' ').trim())
    this.name = 'ContractError'
    this.code = code
    this.issues = issues
  }
  toJSON(): ContractErrorShape {
    return { code: this.code, message: this.message, ...(this.issues ? { issues: this.issues } : {}) }
  }
  static from(shape: ContractErrorShape): ContractError {
    return new ContractError(shape.code, shape.message, shape.issues)
  }
}

export function issuesOf(error: z.ZodError): NonNullable<ContractErrorShape['issues']> {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }))
}

/** What every transport sends back for a call. */
export type CallResult<T> = { ok: true; value: T } | { ok: false; error: ContractErrorShape }
