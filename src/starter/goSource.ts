// What `release init` reads in Go sources, without a Go parser: the package-level string
// variables a program keeps its version in (what -ldflags -X can set), the module path of
// go.mod, and the name a module's binary gets. Pure text in, facts out.

/** A package-level string variable, by the role its name says it has. */
export interface VersionVariable {
  /** As declared: version, Version, gitCommit… */
  name: string;
  role: VersionRole;
}

export type VersionRole = 'version' | 'commit' | 'shortCommit' | 'date' | 'builtBy';

/** The ldflags template field for each role (`-X pkg.name={{.Field}}`); builtBy gets our name. */
export const ROLE_VALUE: Record<VersionRole, string> = {
  version: '{{.Version}}',
  commit: '{{.Commit}}',
  shortCommit: '{{.ShortCommit}}',
  date: '{{.Date}}',
  builtBy: 'winship',
};

/** Names (lower-case, without _ and -) by role, as Go programs and release tools spell them. */
const ROLES: readonly (readonly [VersionRole, RegExp])[] = [
  ['builtBy', /^builtby$/],
  ['shortCommit', /^(short(git)?(commit|sha|hash|rev|revision)|(commit|git)short)$/],
  ['commit', /^(commit|gitcommit|commithash|commitsha|revision|gitrevision|rev|sha|gitsha|githash|buildcommit|vcsrevision)$/],
  ['date', /^(date|builddate|buildtime|buildtimestamp|builtat|builton|commitdate|compiledate|compiletime|releasedate)$/],
  ['version', /^(version|appversion|buildversion|releaseversion|semver|gitversion|programversion|toolversion|cliversion)$/],
];

/** The role a variable's name says it plays, if any. */
export function roleOf(name: string): VersionRole | undefined {
  const key = name.toLowerCase().replace(/[_-]/g, '');
  return ROLES.find(([, pattern]) => pattern.test(key))?.[0];
}

/**
 * Go source with comments and the insides of strings and runes blanked out (same length,
 * newlines kept), so that braces and keywords can be counted.
 */
function blank(source: string): { code: string } {
  const out: string[] = [];
  let i = 0;
  const n = source.length;
  const push = (text: string) => out.push(text.replace(/[^\n]/g, ' '));
  while (i < n) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      const end = source.indexOf('\n', i);
      const stop = end < 0 ? n : end;
      push(source.slice(i, stop));
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      push(source.slice(i, stop));
      i = stop;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && source[j] !== c && source[j] !== '\n') j += source[j] === '\\' ? 2 : 1;
      const literal = source.slice(i, Math.min(j + 1, n));
      out.push(c === '"' ? `"${' '.repeat(Math.max(0, literal.length - 2))}"` : ' '.repeat(literal.length));
      i = j + 1;
    } else if (c === '`') {
      const end = source.indexOf('`', i + 1);
      const stop = end < 0 ? n : end + 1;
      const literal = source.slice(i, stop);
      out.push(`"${literal.slice(1, -1).replace(/[^\n]/g, ' ')}"`);
      i = stop;
    } else {
      out.push(c);
      i++;
    }
  }
  return { code: out.join('') };
}

/** The package clause of a file: `main`, or undefined. */
export function packageName(source: string): string | undefined {
  return /^\s*package\s+([A-Za-z_][A-Za-z0-9_]*)/m.exec(blank(source).code)?.[1];
}

/**
 * The package-level string variables of a file that -X can set: declared without a value, with
 * type string, or with a string literal (or literals joined by +) — not a function call or
 * another variable, which -X would leave unchanged without a word. With the role their name says.
 */
export function versionVariables(source: string): VersionVariable[] {
  const { code } = blank(source);
  const found: VersionVariable[] = [];
  // Top level only: depth 0 of braces.
  let depth = 0;
  const topLevel: string[] = [];
  for (const ch of code) {
    if (ch === '{') depth++;
    if (ch === '}') depth = Math.max(0, depth - 1);
    topLevel.push(depth === 0 || ch === '\n' ? ch : ' ');
  }
  const text = topLevel.join('');
  // Declarations in source order: var ( … ) blocks and single var lines.
  const specs: { at: number; text: string }[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*var\s*\(/g)) {
    // The block runs to its matching parenthesis (a call inside it has its own).
    let depth = 1;
    let end = m.index + m[0].length;
    const lines: string[] = [''];
    for (; end < text.length && depth > 0; end++) {
      const ch = text[end]!;
      if (ch === '(') depth++;
      else if (ch === ')') depth--;
      if (depth === 0) break;
      if ((ch === '\n' || ch === ';') && depth === 1) lines.push('');
      else lines[lines.length - 1] += ch;
    }
    specs.push(...lines.map((t, i) => ({ at: m.index + i / 10_000, text: t })));
  }
  for (const m of text.matchAll(/(?:^|\n)\s*var\s+(?!\()([^\n;]+)/g)) specs.push({ at: m.index, text: m[1]! });
  specs.sort((a, b) => a.at - b.at);
  for (const { text: spec } of specs) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*(?:\s*,\s*[A-Za-z_][A-Za-z0-9_]*)*)\s*([A-Za-z_.[\]*]*)\s*(?:=\s*(.*))?$/.exec(spec.trim());
    if (!m) continue;
    const names = m[1]!.split(',').map((s) => s.trim());
    const type = m[2]!.trim();
    const value = m[3]?.trim();
    if (type && type !== 'string') continue;
    if (!type && value === undefined) continue;
    // Blanked string literals are "   " runs between quotes: only literals, joined by +.
    if (value !== undefined && !/^"[ ]*"(\s*\+\s*"[ ]*")*(\s*,\s*"[ ]*"(\s*\+\s*"[ ]*")*)*$/.test(value)) continue;
    for (const name of names) {
      const role = roleOf(name);
      if (role && name !== '_') found.push({ name, role });
    }
  }
  return found;
}

/**
 * -X flags for the variables found, one per role (the first of each, in source order); a
 * package's variables are named by its import path, main's by "main".
 */
export function ldflagsFor(found: readonly { importPath: string; variable: VersionVariable }[]): string {
  const seen = new Set<VersionRole>();
  const flags = ['-s', '-w'];
  for (const { importPath, variable } of found) {
    if (seen.has(variable.role)) continue;
    seen.add(variable.role);
    flags.push(`-X ${importPath}.${variable.name}=${ROLE_VALUE[variable.role]}`);
  }
  return flags.join(' ');
}

/** The module path of go.mod, or undefined. */
export function modulePath(goMod: string | undefined): string | undefined {
  return goMod?.match(/^\s*module\s+("?)([^\s"]+)\1/m)?.[2];
}

/** The name of a module's program: the last element of its path, skipping a /vN major-version suffix. */
export function programName(path: string): string {
  const parts = path.split('/').filter(Boolean);
  const name = (parts.length > 1 && /^v\d+$/.test(parts.at(-1)!) ? parts.at(-2) : parts.at(-1)) ?? 'app';
  return name.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'app';
}

/** Modules of Windows GUI toolkits: a program importing one is built with -H windowsgui (gui: true). */
const GUI_MODULES = ['fyne.io/fyne', 'github.com/lxn/walk', 'gioui.org', 'github.com/wailsapp/wails', 'github.com/therecipe/qt', 'github.com/andlabs/ui', 'github.com/rodrigocfd/windigo', 'github.com/tadvi/winc', 'github.com/AllenDang/giu', 'github.com/webview/webview', 'github.com/energye/energy'];

/** Whether a main package with these imports is a GUI program. */
export function isGuiProgram(imports: readonly string[]): boolean {
  return imports.some((i) => GUI_MODULES.some((m) => i === m || i.startsWith(`${m}/`)));
}

/** Packages of the module whose last element says they hold build information. */
export function isVersionPackage(importPath: string): boolean {
  return /\/(version|versions|buildinfo|build|meta|versioninfo|info|release)$/.test(importPath);
}

/**
 * The package synopsis go doc shows ("Command hello greets people."), as a one-line
 * description: without "Package main"/"Command <name>" and anything after its first sentence.
 */
export function descriptionFromDoc(doc: string | undefined, name: string): string | undefined {
  if (!doc) return undefined;
  let text = doc.trim().replace(/\s+/g, ' ');
  text = text.replace(/^Package main\b[ ,:-]*(is )?/i, '').replace(new RegExp(`^(Command|Program) ${escape(name)}\\b[ ,:-]*`, 'i'), '');
  const sentence = /^(.+?[.!?])(\s|$)/.exec(text)?.[1] ?? text;
  const clean = sentence.replace(/\.$/, '').trim();
  if (clean.length < 3 || clean.length > 200) return undefined;
  return clean[0]!.toUpperCase() + clean.slice(1);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
