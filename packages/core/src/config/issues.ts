// From zod issues to ConfigIssues: a path like `pools[2].warm[0].schedule` and a message that says what to do.
// Messages set in the schema are kept; zod's generic ones (missing field, wrong type, unknown key, bad enum
// value, range) are rewritten here with the received value, the field's description and "did you mean" hints.
import { z } from 'zod';
import type { ConfigIssue } from './config-error.js';

/** The message the parse-level error map gives generic issues, so we can tell them from the schema's own. */
export const GENERIC = '\u0000generic';

type Path = readonly PropertyKey[];

/** `['pools', 2, 'warm', 0, 'schedule']` → `pools[2].warm[0].schedule`. */
export function formatPath(path: Path): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else {
      const key = String(part);
      out += /^[A-Za-z_$][\w$]*$/.test(key) ? `${out === '' ? '' : '.'}${key}` : `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}

function valueAt(root: unknown, path: Path): unknown {
  let value = root;
  for (const part of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[part as string];
  }
  return value;
}

const SECRET_KEY = /secret|token|key|password|credential/i;

/** A received value for a message: short, and never the value of a secret-looking field. */
function describe(value: unknown, path: Path): string {
  if (path.some((p) => typeof p === 'string' && SECRET_KEY.test(p))) return 'a value (not shown: it may be a secret)';
  if (value === null) return 'null (an empty value)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return String(value);
}

const EXPECTED: Readonly<Record<string, string>> = {
  number: 'a number',
  int: 'a whole number',
  string: 'text',
  boolean: 'true or false',
  object: 'a mapping (key: value)',
  array: 'a list',
};

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] as number;
      row[j] = Math.min(current + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = current;
    }
  }
  return row[b.length] as number;
}

/** The closest of `options` to `word`, if close enough to be a typo. */
export function closest(word: string, options: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const option of options) {
    const d = option.toLowerCase() === lower ? 0 : distance(lower, option.toLowerCase());
    if (d < bestDistance) {
      best = option;
      bestDistance = d;
    }
  }
  const limit = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  return bestDistance <= limit ? best : undefined;
}

/** The schema at `path` below `schema` (following the input for unions), with the description seen on the way. */
function schemaAt(schema: z.ZodType, path: Path, input: unknown): { schema: z.ZodType | undefined; description?: string } {
  let current: z.ZodType | undefined = schema;
  let description: string | undefined;
  let value = input;
  let i = 0;
  while (current) {
    description = current.description ?? description;
    if (current instanceof z.ZodOptional || current instanceof z.ZodDefault || current instanceof z.ZodNullable) {
      current = current.unwrap() as z.ZodType;
      continue;
    }
    if (current instanceof z.ZodPipe) {
      current = current.in as z.ZodType;
      continue;
    }
    if (current instanceof z.ZodUnion) {
      const objects = (current.options as z.ZodType[]).filter((o) => o instanceof z.ZodObject) as z.ZodObject[];
      const chosen =
        objects.find((o) =>
          Object.entries(o.shape).some(
            ([key, field]) => field instanceof z.ZodLiteral && valueAt(value, [key]) === (field as z.ZodLiteral).value,
          ),
        ) ?? (objects.length === 1 ? objects[0] : undefined);
      if (!chosen) return { schema: current, ...(description ? { description } : {}) };
      current = chosen;
      continue;
    }
    if (i >= path.length) break;
    const part = path[i++] as PropertyKey;
    description = undefined;
    value = valueAt(value, [part]);
    if (current instanceof z.ZodObject) current = current.shape[part as string] as z.ZodType | undefined;
    else if (current instanceof z.ZodArray) current = current.element as z.ZodType;
    else if (current instanceof z.ZodRecord) current = current.valueType as z.ZodType;
    else current = undefined;
  }
  return { schema: current, ...(description ? { description } : {}) };
}

function keysOf(schema: z.ZodType | undefined): string[] {
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

/** Turns zod's issues into ConfigIssues (one per unknown key). */
export function toConfigIssues(issues: readonly z.core.$ZodIssue[], schema: z.ZodType, input: unknown): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    const path = issue.path;
    if (issue.code === 'unrecognized_keys') {
      const known = keysOf(schemaAt(schema, path, input).schema);
      for (const key of issue.keys) {
        const guess = closest(key, known);
        const hint = guess ? `did you mean "${guess}"?` : known.length > 0 ? `expected one of ${known.join(', ')}` : 'remove it';
        out.push({ path: formatPath([...path, key]), message: `unknown key; ${hint}` });
      }
      continue;
    }
    out.push({ path: formatPath(path), message: issue.message === GENERIC ? genericMessage(issue, schema, input) : issue.message });
  }
  return out;
}

function genericMessage(issue: z.core.$ZodIssue, schema: z.ZodType, input: unknown): string {
  const value = valueAt(input, issue.path);
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.path.length === 0) {
        return value === undefined || value === null
          ? 'the config is empty: it needs github and pools (see examples/ghr.config.yaml)'
          : `the config must be a mapping with github and pools, got ${describe(value, [])}`;
      }
      if (value === undefined) {
        const { description } = schemaAt(schema, issue.path, input);
        return `is required${description ? `: ${description}` : ''}`;
      }
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      let hint = '';
      if (issue.expected === 'array' && typeof value === 'string') hint = `; write a list, e.g. [${value.split(/[\s,]+/).filter(Boolean).join(', ')}]`;
      if (issue.expected === 'number' && typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) hint = '; remove the quotes';
      return `expected ${expected}, got ${describe(value, issue.path)}${hint}`;
    }
    case 'invalid_value': {
      const options = issue.values.map((v) => JSON.stringify(v));
      const guess = typeof value === 'string' ? closest(value, issue.values.map(String)) : undefined;
      if (value === undefined) return `is required: one of ${options.join(', ')}`;
      return `${describe(value, issue.path)} is not one of ${options.join(', ')}${guess ? `; did you mean "${guess}"?` : ''}`;
    }
    case 'invalid_union': {
      const discriminated = issue as { readonly options?: unknown };
      if (Array.isArray(discriminated.options)) {
        const options = discriminated.options.map((v: unknown) => JSON.stringify(v)).join(', ');
        return value === undefined ? `is required: one of ${options}` : `${describe(value, issue.path)} is not one of ${options}`;
      }
      return `${describe(value, issue.path)} is not valid here`;
    }
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'array') return `needs at least ${min} item${min === 1 ? '' : 's'}`;
      if (issue.origin === 'string') return min <= 1 ? 'cannot be empty' : `needs at least ${min} characters`;
      return `${describe(value, issue.path)} is too small: the minimum is ${min}`;
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'array') return `has more than ${max} items`;
      if (issue.origin === 'string') return `is longer than ${max} characters`;
      return `${describe(value, issue.path)} is too large: the maximum is ${max}`;
    }
    default:
      return `${describe(value, issue.path)} is not valid here`;
  }
}
