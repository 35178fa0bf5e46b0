import { z } from 'zod'

/**
 * Turns the contract's config schema into field descriptors (through z.toJSONSchema), so the form
 * has exactly the fields, ranges, options and defaults the core validates against.
 */
type Json = {
  type?: string
  properties?: Record<string, Json>
  required?: string[]
  anyOf?: Json[]
  oneOf?: Json[]
  enum?: (string | number)[]
  const?: string | number
  default?: unknown
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  exclusiveMaximum?: number
  items?: Json
  description?: string
}

export type FieldSpec =
  | { kind: 'group'; path: string; children: FieldSpec[] }
  | { kind: 'number'; path: string; integer: boolean; min?: number; max?: number; nullable: boolean; step: number }
  | { kind: 'boolean'; path: string }
  | { kind: 'select'; path: string; options: (string | number)[]; nullable: boolean; numeric: boolean }
  | { kind: 'text'; path: string; nullable: boolean }
  | { kind: 'intList'; path: string }
  | { kind: 'ref'; path: string; source: 'datasets' | 'models' }
  | { kind: 'variant'; path: string; discriminator: string; variants: Record<string, FieldSpec[]> }

/** Fields whose value is the id of something the user has: chosen from a list, not typed. */
const REFS: Record<string, 'datasets' | 'models'> = { 'data.datasetId': 'datasets', 'model.baseId': 'models' }

const MAX_SAFE = Number.MAX_SAFE_INTEGER

function stepFor(node: Json): number {
  if (node.type === 'integer') return 1
  const max = node.maximum ?? 1
  return max <= 1 ? 0.01 : 0.1
}

function fieldOf(path: string, node: Json): FieldSpec {
  if (REFS[path]) return { kind: 'ref', path, source: REFS[path] }
  const options = node.anyOf ?? []
  const nullable = options.some((o) => o.type === 'null')
  const inner = nullable ? options.filter((o) => o.type !== 'null') : options
  if (node.oneOf) {
    const variants: Record<string, FieldSpec[]> = {}
    for (const v of node.oneOf) {
      const tag = v.properties?.kind?.const
      if (typeof tag === 'string') variants[tag] = fieldsOf(path, v, ['kind'])
    }
    return { kind: 'variant', path, discriminator: 'kind', variants }
  }
  if (inner.length > 1 && inner.every((o) => o.const !== undefined)) {
    return {
      kind: 'select',
      path,
      options: inner.map((o) => o.const!),
      nullable,
      numeric: inner.every((o) => typeof o.const === 'number'),
    }
  }
  const one = inner.length === 1 ? inner[0]! : node
  if (one.enum) return { kind: 'select', path, options: one.enum, nullable, numeric: false }
  switch (one.type) {
    case 'object':
      return { kind: 'group', path, children: fieldsOf(path, one) }
    case 'boolean':
      return { kind: 'boolean', path }
    case 'integer':
    case 'number':
      return {
        kind: 'number',
        path,
        integer: one.type === 'integer',
        nullable,
        step: stepFor(one),
        ...(one.minimum !== undefined
          ? { min: one.minimum }
          : one.exclusiveMinimum !== undefined
            ? { min: one.exclusiveMinimum }
            : {}),
        ...(one.maximum !== undefined && one.maximum < MAX_SAFE ? { max: one.maximum } : {}),
      }
    case 'array':
      return { kind: 'intList', path }
    default:
      return { kind: 'text', path, nullable }
  }
}

function fieldsOf(prefix: string, node: Json, skip: string[] = []): FieldSpec[] {
  return Object.entries(node.properties ?? {})
    .filter(([key]) => !skip.includes(key))
    .map(([key, child]) => fieldOf(prefix ? `${prefix}.${key}` : key, child))
}

export function formFields(schema: z.ZodType): FieldSpec[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json
  return fieldsOf('', json)
}

/** Defaults of an object node of the JSON schema, filled recursively (used when the model kind changes). */
export function variantDefaults(schema: z.ZodType, path: string, tag: string): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json
  let node: Json | undefined = json
  for (const key of path.split('.')) node = node?.properties?.[key]
  const variant = node?.oneOf?.find((v) => v.properties?.kind?.const === tag)
  return { kind: tag, ...objectDefaults(variant) }
}

function objectDefaults(node: Json | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, child] of Object.entries(node?.properties ?? {})) {
    if (child.const !== undefined) continue
    if (child.type === 'object') out[key] = { ...objectDefaults(child), ...(child.default ?? {}) }
    else if (child.default !== undefined) out[key] = structuredClone(child.default)
  }
  return out
}

export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined
    cur = (cur as Record<string, unknown>)[key]
  }
  return cur
}

export function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.')
  let cur: Record<string, unknown> = obj
  for (const key of keys.slice(0, -1)) {
    const next = cur[key]
    if (next === null || typeof next !== 'object') cur[key] = {}
    cur = cur[key] as Record<string, unknown>
  }
  cur[keys.at(-1)!] = value
}

export interface FieldIssue {
  path: string
  code: string
  message: string
  params: Record<string, unknown>
}

export function issuesByPath(error: z.ZodError | null): FieldIssue[] {
  if (!error) return []
  return error.issues.map((i) => {
    const { code, message, path, ...params } = i as unknown as { code: string; message: string; path: PropertyKey[] } & Record<
      string,
      unknown
    >
    return { path: path.map(String).join('.'), code, message, params }
  })
}

/** Custom messages written in the schema, mapped to their translation keys. */
const CUSTOM: Record<string, string> = {
  'give the experiment a name': 'errors.giveName',
  'choose a dataset': 'errors.chooseDataset',
  'choose a base model': 'errors.chooseBase',
  'give one filter count per conv block': 'errors.filtersPerBlock',
  'fine-tuning needs trainableLayers or fromLayer': 'errors.fineTuneLayers',
}

/** A zod issue in the user's language. */
export function translateIssue(issue: FieldIssue, t: (key: string, params?: Record<string, unknown>) => string): string {
  if (CUSTOM[issue.message]) return t(CUSTOM[issue.message]!)
  const p = issue.params
  switch (issue.code) {
    case 'too_small':
      if (p.origin === 'string') return t('errors.tooShort')
      if (p.origin === 'array') return t('errors.arrayTooShort', { min: p.minimum })
      return t(p.inclusive === false ? 'errors.tooSmallExclusive' : 'errors.tooSmall', { min: p.minimum })
    case 'too_big':
      if (p.origin === 'string' || p.origin === 'array') return t('errors.tooLong', { max: p.maximum })
      return t(p.inclusive === false ? 'errors.tooBigExclusive' : 'errors.tooBig', { max: p.maximum })
    case 'invalid_type':
      if (p.expected === 'int') return t('errors.notInteger')
      if (p.expected === 'number') return t('errors.notNumber')
      return t('errors.required')
    case 'invalid_value':
    case 'invalid_union':
      return t('errors.invalidOption')
    case 'invalid_format':
      return t('errors.notInteger')
    default:
      return issue.message
  }
}
