// Values `release init` writes where it could not guess (and the "Your Company" earlier
// versions wrote): a release must not ship them as its CompanyName, copyright, MSI Manufacturer
// or winget Publisher. A snapshot may (with a warning); a release is refused at the key.

/** What init writes for a vendor it could not find. */
export const VENDOR_PLACEHOLDER = 'TODO: your name or company';

/** What init writes for a description it could not find. */
export function descriptionPlaceholder(name: string): string {
  return `TODO: what ${name} does, in one line`;
}

const PLACEHOLDER = /^\s*(?:TODO|FIXME|CHANGE ?ME)\b|^\s*your (?:company|name|organi[sz]ation)\s*$/i;

/** Whether `value` is a placeholder rather than a real name or text. */
export function isPlaceholder(value: string | undefined): boolean {
  return value !== undefined && PLACEHOLDER.test(value);
}

/** The keys whose placeholders would ship, with the value, in release.yaml order. */
export function placeholderKeys(config: { project: { vendor: string; description: string; copyright?: string }; msi?: { manufacturer?: string } }): { key: readonly string[]; value: string }[] {
  const candidates: { key: readonly string[]; value: string | undefined }[] = [
    { key: ['project', 'description'], value: config.project.description },
    { key: ['project', 'vendor'], value: config.project.vendor },
    { key: ['project', 'copyright'], value: config.project.copyright },
    { key: ['msi', 'manufacturer'], value: config.msi?.manufacturer },
  ];
  return candidates.filter((c): c is { key: readonly string[]; value: string } => isPlaceholder(c.value));
}
