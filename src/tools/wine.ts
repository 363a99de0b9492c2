// Wine: a second, independent Windows that runs the exes we build and is a real MSI client
// (msiexec). `release verify` installs each x64 MSI into a throwaway prefix, runs what it
// installed and uninstalls it. 64-bit only: a wine64 without wine32 (Debian's default) cannot
// run 32-bit programs, so x86 MSIs are not installed.

import { accessSync, constants } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { ToolFailedError, type Tool, type ToolRunner } from './runner.js';

const INSTALL = 'apt-get install wine (Debian/Ubuntu; the 64-bit wine64 is enough); macOS: brew install --cask wine-stable';

/** The wine64 loader and its wineserver, where Debian, Ubuntu and the upstream packages put them. */
export interface WineTools {
  wine: Tool;
  wineserver: Tool;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** wine64 (or a wine that runs 64-bit programs) and its wineserver, or undefined when Wine is not installed. */
export function findWine(env: NodeJS.ProcessEnv = process.env): WineTools | undefined {
  const onPath = (name: string) => (env.PATH ?? '').split(delimiter).map((d) => join(d, name)).find(executable);
  // Debian's /usr/bin/wine asks for wine32 and gives up without it; the wine64 loader itself works.
  const wine = onPath('wine64') ?? ['/usr/lib/wine/wine64', '/usr/lib64/wine/wine64', '/opt/wine-stable/bin/wine64'].find(executable) ?? onPath('wine');
  if (!wine) return undefined;
  const server = [join(dirname(wine), 'wineserver'), join(dirname(wine), 'wineserver64')].find(executable) ?? onPath('wineserver') ?? 'wineserver';
  return {
    wine: { name: 'wine', command: wine, install: INSTALL },
    wineserver: { name: 'wineserver', command: server, install: INSTALL },
  };
}

export const WINE_INSTALL = INSTALL;

/** "wine-8.0 (Debian 8.0~repack-4)" → [8, 0]. */
export function parseWineVersion(text: string): [number, number] | undefined {
  const m = /wine-(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** Wine 9.0 implemented bcryptprimitives!ProcessPrng, which Go ≥ 1.22 calls at start-up; 8 has none. */
export const MIN_WINE_WITH_PROCESS_PRNG: readonly [number, number] = [9, 0];

export async function wineVersion(runner: ToolRunner, tools: WineTools): Promise<string> {
  const { stdout } = await runner.run({ tool: tools.wine, args: ['--version'], timeoutMs: 60_000, readOnly: true, input: '' });
  return stdout.trim();
}

/** The environment of every Wine process of one prefix: no display, no Mono or Gecko installer dialogs. */
export function wineEnv(prefix: string, debug = '-all'): Record<string, string> {
  return { WINEPREFIX: prefix, WINEDEBUG: debug, WINEDLLOVERRIDES: 'mscoree,mshtml=', DISPLAY: '', WAYLAND_DISPLAY: '' };
}

/** A new prefix: wineboot --init, then wait for its wineserver to write the registry. */
export async function initWinePrefix(runner: ToolRunner, tools: WineTools, prefix: string, signal?: AbortSignal): Promise<void> {
  await runner.run({ tool: tools.wine, args: ['wineboot', '--init'], env: wineEnv(prefix), timeoutMs: 300_000, input: '', ...(signal ? { signal } : {}), subject: 'a new Wine prefix' });
  await waitForWineserver(runner, tools, prefix, signal);
}

/** Wait until the prefix's wineserver has exited (it writes the registry files then). */
export async function waitForWineserver(runner: ToolRunner, tools: WineTools, prefix: string, signal?: AbortSignal): Promise<void> {
  await runner.run({ tool: tools.wineserver, args: ['-w'], env: wineEnv(prefix), timeoutMs: 120_000, input: '', ...(signal ? { signal } : {}), okExitCodes: [1] }).catch((err: unknown) => {
    if (!(err instanceof ToolFailedError)) throw err;
  });
}

/** Stop the prefix's wineserver and everything it runs. */
export async function killWineserver(runner: ToolRunner, tools: WineTools, prefix: string): Promise<void> {
  await runner.run({ tool: tools.wineserver, args: ['-k'], env: wineEnv(prefix), timeoutMs: 60_000, input: '', okExitCodes: [1] }).catch(() => undefined);
}

export interface WineResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/**
 * Run a Windows program (or msiexec) in the prefix, its result whatever it is: a non-zero exit or
 * a timeout is an outcome to judge, not an exception. `debug` is WINEDEBUG (default: the loader's
 * errors only, "err:module", which say when a DLL is missing).
 */
export async function wineRun(
  runner: ToolRunner,
  tools: WineTools,
  prefix: string,
  args: readonly string[],
  o: { timeoutMs: number; signal?: AbortSignal; debug?: string; subject?: string },
): Promise<WineResult> {
  try {
    const r = await runner.run({ tool: tools.wine, args, env: wineEnv(prefix, o.debug ?? '-all,err+module'), timeoutMs: o.timeoutMs, input: '', ...(o.signal ? { signal: o.signal } : {}), ...(o.subject ? { subject: o.subject } : {}) });
    return { exitCode: r.exitCode, stdout: r.raw.stdout, stderr: r.raw.stderr, timedOut: false };
  } catch (err) {
    if (!(err instanceof ToolFailedError)) throw err;
    return { exitCode: err.toolExitCode ?? -1, stdout: err.raw.stdout, stderr: err.raw.stderr, timedOut: err.timedOut };
  }
}
