// The ProcessPrng stand-in that Go ≥ 1.22 exes need on Wine 8 (Debian bookworm), which lacks
// bcryptprimitives.dll: Go's runtime loads it at start-up for its random numbers and stops
// with "fatal error: bcryptprimitives.dll not found" without it. Wine 9 implements
// ProcessPrng the same way, on top of RtlGenRandom (advapi32!SystemFunction036).
//
// Why it is built here from source rather than shipped as a DLL: a binary blob in an npm
// package is a file no one can review; these 20 lines can be. It is compiled with mingw-w64 on
// first use into the user's cache (keyed by the source's digest, so a changed source is built
// again) and copied only into throwaway Wine prefixes, never into a release.

import { createHash } from 'node:crypto';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { produceAtomic } from '../util/fs.js';
import type { Tool, ToolRunner } from './runner.js';

export const mingwGcc: Tool = {
  name: 'x86_64-w64-mingw32-gcc',
  command: 'x86_64-w64-mingw32-gcc',
  install: 'apt-get install gcc-mingw-w64-x86-64 (Debian/Ubuntu; macOS: brew install mingw-w64)',
};

export const SHIM_SOURCE = `/* winship's ProcessPrng stand-in for Wine 8 (see src/tools/wineShim.ts). */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x7fffffff ? 0x7fffffff : (ULONG)len;
        if (!SystemFunction036(data, chunk)) return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
`;

export const SHIM_DEF = 'LIBRARY bcryptprimitives.dll\nEXPORTS\n    ProcessPrng\n';

/** Where built shims are kept: $XDG_CACHE_HOME/winship, else ~/.cache/winship. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'winship');
}

/** The shim DLL, built on first use (MissingToolError naming gcc-mingw-w64-x86-64 when mingw-w64 is missing). */
export async function processPrngShim(runner: ToolRunner, env: NodeJS.ProcessEnv = process.env, signal?: AbortSignal): Promise<string> {
  const digest = createHash('sha256').update(SHIM_SOURCE).update(SHIM_DEF).digest('hex').slice(0, 16);
  const dir = join(cacheDir(env), 'wine');
  const dll = join(dir, `bcryptprimitives-${digest}.dll`);
  if ((await stat(dll).catch(() => undefined))?.isFile()) return dll;
  await mkdir(dir, { recursive: true });
  const source = join(dir, `bcryptprimitives-${digest}.c`);
  const def = join(dir, `bcryptprimitives-${digest}.def`);
  await writeFile(source, SHIM_SOURCE);
  await writeFile(def, SHIM_DEF);
  await produceAtomic(dll, async (temp) => {
    await runner.run({ tool: mingwGcc, args: ['-O2', '-shared', '-s', '-o', temp, source, def, '-ladvapi32'], timeoutMs: 120_000, input: '', ...(signal ? { signal } : {}), subject: 'the ProcessPrng stand-in for Wine' });
  });
  return dll;
}
