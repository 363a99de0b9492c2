// `{{.Name}}` templates in config values (ldflags, names). Small on purpose: an unknown field
// is an error that names it, so a typo never ends up as literal text inside a binary.

const FIELD = /\{\{\s*\.([A-Za-z][A-Za-z0-9]*)\s*\}\}/g;

export class TemplateError extends Error {
  override name = 'TemplateError';
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
