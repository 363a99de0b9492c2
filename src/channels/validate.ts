import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';

// Manifests are checked against the JSON Schemas their package managers publish (vendored in
// schema/vendor/, see its README), with ajv: the schema, not our reading of it, says what winget
// and Scoop accept. Both are draft-07.

// ajv is CommonJS: its default export through require, as fast-xml-parser's (msi/wix/fxp.ts).
const require = createRequire(import.meta.url);
const Ajv = require('ajv') as typeof import('ajv').default;
const addFormats = require('ajv-formats') as typeof import('ajv-formats').default;

export interface SchemaProblem {
  /** JSON pointer of the value at fault, "" for the document ("/Installers/0/InstallerUrl"). */
  pointer: string;
  /** What the schema says is wrong, in ajv's words, with the allowed values or pattern. */
  message: string;
}

/** A validator for one schema, compiled once. */
export type ManifestValidator = (doc: unknown) => SchemaProblem[];

/**
 * Compile `schema`. Third-party schemas are read as published: not in ajv's strict mode (Scoop's
 * leaves "type" out next to "properties"), with the formats they use (uri, regex, date; winget's
 * own "long", an integer).
 */
export function compileManifestSchema(schema: object): ManifestValidator {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  ajv.addFormat('long', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  const validate: ValidateFunction = ajv.compile(schema);
  return (doc) => (validate(doc) ? [] : simplify(validate.errors ?? []));
}

/**
 * ajv's errors, without the noise of alternatives: an anyOf/oneOf reports each branch's failure
 * and then its own; the value's own complaints are enough. Deduplicated, in order.
 */
function simplify(errors: readonly ErrorObject[]): SchemaProblem[] {
  const own = errors.filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf' && e.keyword !== 'if');
  const seen = new Set<string>();
  const out: SchemaProblem[] = [];
  for (const e of own.length ? own : errors) {
    const message = describe(e);
    const key = `${e.instancePath}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ pointer: e.instancePath, message });
  }
  return out;
}

function describe(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `must have ${String(p.missingProperty)}`;
    case 'additionalProperties':
      return `must not have ${String(p.additionalProperty)}`;
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'pattern':
      return `must match the pattern ${String(p.pattern)}`;
    default:
      return e.message ?? e.keyword;
  }
}

/** "/Installers/0/InstallerUrl" → "Installers[0].InstallerUrl" */
export function pointerPath(pointer: string): string {
  if (pointer === '') return '(the document)';
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('');
}
