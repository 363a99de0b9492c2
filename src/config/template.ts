// `{{.Name}}` templates in config values (ldflags, names). Small on purpose: an unknown field
// is an error that names it, so a typo never ends up as literal text inside a binary.

const FIELD = /\{\{\s*\.([A-Za-z][A-Za-z0-9]*)\s*\}\}/g;

export class TemplateError extends Error {
  override name = 'TemplateError';
}

/** The fields {{.X}} a build's ldflags may use (goBuild.ts fills them; the config schema checks them). */
export const LDFLAGS_FIELDS = ['Version', 'Commit', 'ShortCommit', 'Date', 'ProjectName'] as const;
export type LdflagsField = (typeof LDFLAGS_FIELDS)[number];

/** What renderFieldTemplate would refuse in `template` given the field names, or undefined: for config validation. */
export function templateProblem(template: string, known: readonly string[]): string | undefined {
  try {
    renderFieldTemplate(template, Object.fromEntries(known.map((name) => [name, ''])));
    return undefined;
  } catch (err) {
    if (err instanceof TemplateError) return err.message;
    throw err;
  }
}

export function renderFieldTemplate(template: string, fields: Readonly<Record<string, string>>): string {
  const unknown = new Set<string>();
  const out = template.replace(FIELD, (_, name: string) => {
    const value = fields[name];
    if (value === undefined) {
      unknown.add(name);
      return '';
    }
    return value;
  });
  if (unknown.size) {
    throw new TemplateError(
      `unknown template field ${[...unknown].map((n) => `{{.${n}}}`).join(', ')} (known: ${Object.keys(fields)
        .map((n) => `{{.${n}}}`)
        .join(', ')})`,
    );
  }
  if (/\{\{|\}\}/.test(out)) throw new TemplateError(`malformed template "${template}" (expected {{.Field}})`);
  return out;
}
