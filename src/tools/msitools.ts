// msiinfo (msitools): reading an MSI's summary, tables and streams with a program we did not
// write, for `release verify`.

import type { ToolRunner } from './runner.js';
import { msiinfo } from './wixl.js';

export interface MsiSummary {
  /** "x64;1033": the platform and languages (PID_TEMPLATE). */
  template?: string;
  /** The PackageCode, braced (PID_REVNUMBER). */
  revision?: string;
  subject?: string;
  author?: string;
}

/** `msiinfo suminfo` output → the fields verify compares. */
export function parseMsiSummary(text: string): MsiSummary {
  const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim();
  const out: MsiSummary = {};
  const template = field('Template');
  const revision = field('Revision number \\(UUID\\)');
  const subject = field('Subject');
  const author = field('Author');
  if (template !== undefined) out.template = template;
  if (revision !== undefined) out.revision = revision;
  if (subject !== undefined) out.subject = subject;
  if (author !== undefined) out.author = author;
  return out;
}

/** `msiinfo export MSI TABLE` (tab-separated: header, types, table name, rows) → rows by column. */
export function parseMsiTable(text: string): Record<string, string>[] {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const header = lines[0]?.split('\t') ?? [];
  return lines.slice(3).map((line) => {
    const cells = line.split('\t');
    return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? '']));
  });
}

export async function msiSummary(runner: ToolRunner, msi: string, signal?: AbortSignal): Promise<MsiSummary> {
  const { raw } = await runner.run({ tool: msiinfo, args: ['suminfo', msi], timeoutMs: 120_000, readOnly: true, input: '', ...(signal ? { signal } : {}) });
  return parseMsiSummary(raw.stdout);
}

export async function msiTable(runner: ToolRunner, msi: string, table: string, signal?: AbortSignal): Promise<Record<string, string>[]> {
  const { raw } = await runner.run({ tool: msiinfo, args: ['export', msi, table], timeoutMs: 120_000, readOnly: true, input: '', ...(signal ? { signal } : {}) });
  return parseMsiTable(raw.stdout);
}

/** The names of the MSI's streams ("\u0005DigitalSignature" holds the Authenticode signature). */
export async function msiStreams(runner: ToolRunner, msi: string, signal?: AbortSignal): Promise<string[]> {
  const { raw } = await runner.run({ tool: msiinfo, args: ['streams', msi], timeoutMs: 120_000, readOnly: true, input: '', ...(signal ? { signal } : {}) });
  return raw.stdout.split(/\r?\n/).filter(Boolean);
}
