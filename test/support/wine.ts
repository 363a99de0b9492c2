import { execa } from 'execa';
import { copyFile, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SHIM_DEF, SHIM_SOURCE } from '../../src/tools/wineShim.js';

// Wine (Debian's wine64 8.0) is our second, independent Windows: it runs the exes we build and
// is a real MSI client (msiexec). Helpers here make a throwaway prefix per test run.

export const WINE64 = '/usr/lib/wine/wine64';

export async function haveWine(): Promise<boolean> {
  return (await stat(WINE64).catch(() => undefined)) !== undefined;
}

export interface WinePrefix {
  prefix: string;
  env: Record<string, string>;
  /** Run a Windows program; returns stdout (Wine's own debug output is turned off). */
  run(args: string[], opts?: { reject?: boolean; timeoutMs?: number }): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  /** C:\ as a Linux path. */
  driveC: string;
}

/**
 * A fresh prefix (wineboot --init, ~4-6 s) with the ProcessPrng shim that Go >= 1.22 exes need
 * on Wine 8: the product's own (src/tools/wineShim.ts, which `release verify` uses), compiled with
 * mingw-w64 on first use.
 */
export async function createWinePrefix(prefix: string): Promise<WinePrefix> {
  await mkdir(prefix, { recursive: true });
  const env = { WINEPREFIX: prefix, WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=', DISPLAY: '' };
  await execa(WINE64, ['wineboot', '--init'], { env, timeout: 180_000 });
  await execa(join(dirname(WINE64), 'wineserver'), ['-w'], { env, reject: false, timeout: 60_000 });
  const dll = await buildPrngShim(join(prefix, '..', 'bcryptprimitives.dll'));
  await copyFile(dll, join(prefix, 'drive_c', 'windows', 'system32', 'bcryptprimitives.dll'));
  const run: WinePrefix['run'] = async (args, opts = {}) => {
    const once = () => execa(WINE64, args, { env, reject: false, timeout: opts.timeoutMs ?? 120_000 });
    let r = await once();
    // Exit 127 with nothing printed is Wine failing to start the program (seen once in CI, under
    // load, between two runs in one prefix), not the program: none of ours exits 127. Once more.
    if (r.exitCode === 127 && String(r.stdout) === '') {
      process.stderr.write(`wine: ${args[0]} did not start (exit 127: ${String(r.stderr).trim() || 'no message'}); starting it again\n`);
      r = await once();
    }
    if ((opts.reject ?? true) && r.exitCode !== 0) {
      throw new Error(`wine64 ${args.join(' ')} exited ${r.exitCode}${r.timedOut ? ' (timed out)' : ''}:\n${String(r.stderr)}${String(r.stdout)}`);
    }
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  };
  return { prefix, env, run, driveC: join(prefix, 'drive_c') };
}

async function buildPrngShim(out: string): Promise<string> {
  if (await stat(out).catch(() => undefined)) return out;
  const source = `${out}.c`;
  const def = `${out}.def`;
  await writeFile(source, SHIM_SOURCE);
  await writeFile(def, SHIM_DEF);
  await execa('x86_64-w64-mingw32-gcc', ['-O2', '-shared', '-s', '-o', out, source, def, '-ladvapi32']);
  return out;
}

/**
 * A fresh C:\<name>\<file> in the prefix holding `bytes` (an exe as its release shipped it), for
 * a program that updates itself in place; returns its Windows path.
 */
export async function placeExe(wine: WinePrefix, name: string, file: string, bytes: Uint8Array): Promise<string> {
  const dir = join(wine.driveC, name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, file), bytes);
  return `C:\\${name}\\${file}`;
}
