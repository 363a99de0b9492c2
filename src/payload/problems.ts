// How a payload problem is reported: one line per offending path, grouped under the rule it
// breaks, every path listed, in one error. The MSI, the zips and (later) MSIX all report this
// way, so a user reads the same list whichever package refused a file.

import { compareOrdinal } from '../util/compare.js';
import { UsageError } from '../util/errors.js';

export interface PayloadProblem<Rule extends string = string> {
  rule: Rule;
  /** The offending path as the package would hold it (or, for an input, `key: path`). */
  path: string;
  /** What exactly is wrong, shown after the path (`-> /etc/passwd`, `a FIFO`, `256 characters`). */
  detail?: string;
}

/** The rules a report knows, in the order its sections are shown, each with its title. */
export type RuleTitles = readonly (readonly [rule: string, title: string])[];

/** One line of a section: `path  (detail)`; a case clash is shown as its spellings (its detail). */
function line(problem: PayloadProblem): string {
  if (problem.rule === 'case-duplicate' || problem.path === '') return problem.detail ?? problem.path;
  return problem.detail ? `${problem.path}  (${problem.detail})` : problem.path;
}

/** `  title:\n    - line…` */
export function section(title: string, lines: readonly string[]): string {
  return `  ${title}:\n${lines.map((l) => `    - ${l}`).join('\n')}`;
}

/**
 * The problems grouped by rule, in the order of `titles`, each section sorted by path
 * (ordinal: the same on every machine). A rule missing from `titles` still gets a section, at
 * the end, so nothing is ever left out of the report.
 */
export function formatPayloadProblems(problems: readonly PayloadProblem[], titles: RuleTitles): string {
  const known = new Set(titles.map(([rule]) => rule));
  const extra = [...new Set(problems.map((p) => p.rule).filter((r) => !known.has(r)))].sort(compareOrdinal);
  const sections: string[] = [];
  for (const [rule, title] of [...titles, ...extra.map((r) => [r, r] as const)]) {
    const hits = problems.filter((p) => p.rule === rule);
    if (hits.length === 0) continue;
    const lines = [...new Set(hits.map(line))].sort(compareOrdinal);
    sections.push(section(title, lines));
  }
  return sections.join('\n');
}

/** The same problem found twice (for two targets, say) is listed once. */
export function uniqueProblems<P extends PayloadProblem>(problems: readonly P[]): P[] {
  const seen = new Map<string, P>();
  for (const p of problems) seen.set(`${p.rule}\u0000${p.path}\u0000${p.detail ?? ''}`, p);
  return [...seen.values()];
}

/**
 * One error for everything a package refuses: `subject: N problems with <what>:` (the key or
 * package at fault), then every problem grouped by rule, then what to do. Nothing has been
 * packed when it is thrown.
 */
export function payloadError(subject: string, what: string, problems: readonly PayloadProblem[], titles: RuleTitles, advice: string): UsageError {
  const count = `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
  return new UsageError(`${subject}: ${count} with ${what}:\n${formatPayloadProblems(problems, titles)}\n${advice}`);
}
