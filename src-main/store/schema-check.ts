import type { z } from 'zod'
import { ContractError, issuesOf } from '@shared/contract'

/**
 * A value handed to the store by its caller: a mismatch is the caller's mistake, so it is
 * `invalid_input` with every issue listed (`message` replaces the default "invalid <what>").
 */
export function checkInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
  message = `invalid ${what}`,
): z.output<S> {
  const parsed = schema.safeParse(value)
  if (!parsed.success) throw new ContractError('invalid_input', message, issuesOf(parsed.error))
  return parsed.data
}

/**
 * A JSON column read back from the database: the store wrote it valid, so a mismatch means the file
 * was damaged or written by something else. That is `internal`, naming the record and the first issue.
 */
export function parseStored<S extends z.ZodType>(schema: S, text: string, what: string): z.output<S> {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new ContractError('internal', `${what}: stored JSON is invalid (${(error as Error).message})`)
  }
  const parsed = schema.safeParse(value)
  if (!parsed.success) {
    const issue = issuesOf(parsed.error)[0]
    throw new ContractError(
      'internal',
      `${what}: stored record does not match its schema (${issue?.path || '(root)'}: ${issue?.message})`,
    )
  }
  return parsed.data
}
