import { copyFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { inDist } from '../artifacts/files.js';
import type { ArtifactOf } from '../artifacts/kinds.js';
import { processPrngShim } from '../tools/wineShim.js';
import { findWine, initWinePrefix, killWineserver, MIN_WINE_WITH_PROCESS_PRNG, parseWineVersion, waitForWineserver, WINE_INSTALL, wineRun, wineVersion, type WineTools } from '../tools/wine.js';
import { MissingToolError } from '../util/errors.js';
import { forgetTemp, trackTemp } from '../util/fs.js';
import { runTempDir } from '../util/runId.js';
import { versionAtLeast } from '../util/versions.js';
import type { CheckEnv } from './checks.js';
import type { CheckResult, RecordedRelease } from './model.js';

// The install test of `release verify`, under Wine: each x64 MSI goes into a throwaway prefix
// with msiexec /i /qn, every exe it installed is started, the MSI is removed with msiexec /x /qn,
// and what is left (files, registry keys) is reported. No release tool offers this: the first
// Windows a release meets is otherwise a user's.

export interface InstallOptions {
  /** Arguments every installed exe is started with (default --version). */
  exeArgs: readonly string[];
  /** Wide: Wine starts slowly on a busy machine, and a program may print a while. */
  runTimeoutMs: number;
}

/** Go 1.22 and newer call bcryptprimitives!ProcessPrng at start-up. */
function goNeedsProcessPrng(goVersion: string | undefined): boolean {
  const m = goVersion ? /go(\d+)\.(\d+)/.exec(goVersion) : null;
  return !m || versionAtLeast([Number(m[1]), Number(m[2])], [1, 22]);
}

/** What the Go runtime and Wine's loader print when a program cannot start. */
const DOES_NOT_START = [/^fatal error: /m, /^runtime: /m, /panic before malloc heap initialized/, /^err:module:/m, /Bad EXE format|not a valid Win32 application|could not load/i, /^panic: .*\n+goroutine \d+ \[running\]/m];

/** The verdict on one started program. */
export function judgeStart(r: { exitCode: number; stdout: string; stderr: string; timedOut: boolean }, timeoutMs: number): { started: boolean; detail: string } {
  const first = (text: string) => text.split(/\r?\n/).map((l) => l.trim()).find(Boolean) ?? '';
  if (r.timedOut) return { started: true, detail: `still running after ${Math.round(timeoutMs / 1000)} s (a server or an interactive program?); stopped` };
  const crash = DOES_NOT_START.find((p) => p.test(r.stderr));
  if (crash) {
    const line = r.stderr.split(/\r?\n/).find((l) => crash.test(l) || /^(fatal error|panic|err:module)/.test(l.trim())) ?? first(r.stderr);
    return { started: false, detail: `exit ${r.exitCode}: ${line.trim()}` };
  }
  const said = first(r.stdout) || first(r.stderr);
  return { started: true, detail: `exit ${r.exitCode}${said ? `, printed "${said.length > 80 ? `${said.slice(0, 77)}…` : said}"` : ''}` };
}

/** Files under drive_c, relative, with Wine's own bookkeeping left out. */
async function driveFiles(prefix: string): Promise<Set<string>> {
  const root = join(prefix, 'drive_c');
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  const ignored = /^(windows\/(installer|temp|logs|inf)\/|users\/[^/]+\/(temp|appdata\/local\/temp)\/|windows\/.*\.log$)/i;
  return new Set(
    entries
      .filter((e) => e.isFile())
      .map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join('/'))
      .filter((p) => !ignored.test(p)),
  );
}

/** Registry key paths (HKLM and HKCU) under Software\, without Wine's and Windows Installer's own. */
async function registryKeys(prefix: string): Promise<Set<string>> {
  const keys = new Set<string>();
  for (const [hive, file] of [['HKLM', 'system.reg'], ['HKCU', 'user.reg']] as const) {
    const text = await readFile(join(prefix, file), 'utf8').catch(() => '');
    for (const m of text.matchAll(/^\[([^\]]+)\]/gm)) {
      const key = m[1]!.replace(/\\\\/g, '\\');
      if (/^software\\/i.test(key) && !/^software\\(microsoft|wine|classes|policies|wow6432node\\microsoft)\b/i.test(key)) keys.add(`${hive}\\${key}`);
    }
  }
  return keys;
}

export async function checkInstalls(e: CheckEnv, release: RecordedRelease, o: InstallOptions): Promise<CheckResult[]> {
  const msis = release.artifacts.filter((a): a is ArtifactOf<'msi'> => a.kind === 'msi' && a.msi.arch === 'x64');
  const skipped = release.artifacts.filter((a) => a.kind === 'msi' && a.msi.arch !== 'x64').map((a) => a.path);
  const note: CheckResult[] = skipped.length ? [{ check: 'install', subject: skipped.join(', '), verdict: 'skip', detail: 'not installed: Wine runs 64-bit programs here (x86 needs wine32, arm64 an ARM machine)' }] : [];
  if (msis.length === 0) return note;
  const tools = findWine(e.env);
  if (!tools) return [...note, { check: 'install', subject: msis.map((m) => m.path).join(', '), verdict: 'skip', detail: `Wine is not installed, so nothing was installed: ${WINE_INSTALL} (or run release verify --no-wine)` }];
  const version = await wineVersion(e.runner, tools);
  const prefix = await mkdtemp(join(await runTempDir(), 'wine-'));
  trackTemp(prefix);
  try {
    await initWinePrefix(e.runner, tools, prefix, e.signal);
    const parsed = parseWineVersion(version);
    const shim = parsed && !versionAtLeast(parsed, MIN_WINE_WITH_PROCESS_PRNG) && goNeedsProcessPrng(release.tools.go);
    if (shim) {
      let dll: string;
      try {
        dll = await processPrngShim(e.runner, e.env, e.signal);
      } catch (err) {
        if (!(err instanceof MissingToolError)) throw err;
        return [
          ...note,
          {
            check: 'install',
            subject: msis.map((m) => m.path).join(', '),
            verdict: 'fail',
            detail: `${version} lacks bcryptprimitives!ProcessPrng, which Go ≥ 1.22 programs call at start-up; winship builds a 12 KB stand-in from source for the throwaway prefix, and needs mingw-w64 for it: ${err.install} (or run release verify --no-wine)`,
          },
        ];
      }
      await copyFile(dll, join(prefix, 'drive_c', 'windows', 'system32', 'bcryptprimitives.dll'));
    }
    const results: CheckResult[] = [...note];
    for (const msi of msis) results.push(await installOne(e, tools, prefix, release, msi, o, `${version}${shim ? ', with winship\'s ProcessPrng stand-in' : ''}`));
    return results;
  } finally {
    await killWineserver(e.runner, tools, prefix);
    await rm(prefix, { recursive: true, force: true });
    forgetTemp(prefix);
  }
}

async function installOne(e: CheckEnv, tools: WineTools, prefix: string, release: RecordedRelease, msi: ArtifactOf<'msi'>, o: InstallOptions, wine: string): Promise<CheckResult> {
  const file = inDist(release.distDir, msi.path);
  const before = await driveFiles(prefix);
  const keysBefore = await registryKeys(prefix);
  const fail = (detail: string): CheckResult => ({ check: 'install', subject: msi.path, verdict: 'fail', detail: `${detail} (${wine})` });

  const install = await wineRun(e.runner, tools, prefix, ['msiexec', '/i', file, '/qn'], { timeoutMs: 300_000, signal: e.signal, debug: '-all', subject: `msiexec /i ${msi.name}` });
  await waitForWineserver(e.runner, tools, prefix, e.signal);
  if (install.exitCode !== 0) return fail(`msiexec /i failed with exit code ${install.exitCode}${install.timedOut ? ' (timed out)' : ''}${install.stderr.trim() ? `: ${install.stderr.trim().split('\n')[0]}` : ''}`);
  const installed = [...(await driveFiles(prefix))].filter((f) => !before.has(f)).sort();
  if (installed.length === 0) return fail('msiexec /i reported success but installed no file');
  const exes = installed.filter((f) => f.toLowerCase().endsWith('.exe'));
  const runs: string[] = [];
  const dead: string[] = [];
  for (const exe of exes) {
    const windowsPath = `C:\\${exe.split('/').join('\\')}`;
    const r = await wineRun(e.runner, tools, prefix, [windowsPath, ...o.exeArgs], { timeoutMs: o.runTimeoutMs, signal: e.signal, subject: exe.split('/').at(-1)! });
    const verdict = judgeStart(r, o.runTimeoutMs);
    (verdict.started ? runs : dead).push(`${exe.split('/').at(-1)} ${o.exeArgs.join(' ')}`.trim() + `: ${verdict.detail}`);
  }
  await waitForWineserver(e.runner, tools, prefix, e.signal);

  const remove = await wineRun(e.runner, tools, prefix, ['msiexec', '/x', file, '/qn'], { timeoutMs: 300_000, signal: e.signal, debug: '-all', subject: `msiexec /x ${msi.name}` });
  await waitForWineserver(e.runner, tools, prefix, e.signal);
  const leftFiles = [...(await driveFiles(prefix))].filter((f) => !before.has(f)).sort();
  const leftKeys = [...(await registryKeys(prefix))].filter((k) => !keysBefore.has(k)).sort();
  const problems = [
    ...dead.map((d) => `does not start: ${d}`),
    ...(remove.exitCode !== 0 ? [`msiexec /x failed with exit code ${remove.exitCode}`] : []),
    ...(leftFiles.length ? [`left after uninstalling: ${leftFiles.map((f) => `C:/${f}`).join(', ')}`] : []),
    ...(leftKeys.length ? [`registry keys left after uninstalling: ${leftKeys.join(', ')}`] : []),
  ];
  const folder = (exes[0] ?? installed[0]!).split('/').slice(0, -1).join('/');
  const summary = `installed ${installed.length} files (${exes.map((f) => f.split('/').at(-1)).join(', ') || 'no exe'}) in C:/${folder}`;
  if (problems.length) return fail(`${summary}; ${problems.join('; ')}`);
  return { check: 'install', subject: msi.path, verdict: 'ok', detail: `${summary}; ${runs.join('; ') || 'no exe to start'}; uninstalled, nothing left (${wine})` };
}
