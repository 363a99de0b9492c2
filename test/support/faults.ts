// Driving the real CLI to a fault: start `release build` with a fault point (src/util/faults.ts)
// or until a given tool runs, kill it, and look at what is left: processes, files, secrets.

import { execa, type ResultPromise } from 'execa';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { releaseBin } from './cli.js';

export interface StartedRun {
  child: ResultPromise<{ all: true; reject: false }>;
  pid: number;
  /** Marks every process of the run: it is in their environment. */
  mark: string;
  output(): string;
  /** Wait until the output contains `text` (the run must still be going). */
  waitForOutput(text: string): Promise<void>;
}

let runs = 0;

/** Start `release build ARGS` in `cwd`; `pause` stops it at a fault point. */
export function startRun(cwd: string, args: string[], env: Record<string, string>, pause?: string): StartedRun {
  const mark = `faults-${process.pid}-${++runs}`;
  const child = execa(process.execPath, [releaseBin, ...args], {
    cwd,
    env: { CI: 'true', NO_COLOR: '1', WINSHIP_TEST_RUN: mark, ...env, ...(pause ? { WINSHIP_FAULT_PAUSE: pause } : {}) },
    reject: false,
    all: true,
  });
  let out = '';
  child.all.on('data', (d: Buffer) => (out += d.toString()));
  return {
    child,
    pid: child.pid!,
    mark,
    output: () => out,
    async waitForOutput(text) {
      while (!out.includes(text)) {
        if (child.exitCode !== null) throw new Error(`the run ended (exit ${child.exitCode}) before printing "${text}":\n${out}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}

interface ProcessInfo {
  pid: number;
  comm: string;
  cmdline: string;
}

function readProc(pid: number): { comm: string; state: string; cmdline: string; environ: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const m = /^\d+ \((.*)\) (\S) /.exec(stat);
    return {
      comm: m?.[1] ?? '',
      state: m?.[2] ?? '',
      cmdline: readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '),
      environ: readFileSync(`/proc/${pid}/environ`, 'utf8'),
    };
  } catch {
    return undefined; // gone meanwhile, or not ours to read
  }
}

/**
 * Live processes of a run: those with its mark in their environment (winship, go, compile,
 * link, wixl, osslsigncode…), and its watchdog (which gets no environment of ours, and is told
 * apart by the pid it watches, its last argument). Zombies do not count: they only wait to be reaped.
 */
export function processesOf(run: Pick<StartedRun, 'mark' | 'pid'>): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const p = readProc(Number(name));
    if (!p || p.state === 'Z') continue;
    const watchdog = p.cmdline.includes('const groups = new Set()') && p.cmdline.trimEnd().endsWith(` ${run.pid}`);
    if (watchdog || p.environ.split('\0').includes(`WINSHIP_TEST_RUN=${run.mark}`)) found.push({ pid: Number(name), comm: p.comm, cmdline: p.cmdline.slice(0, 200) });
  }
  return found;
}

/** Wait until a process of the run matches `test` (a tool has started). */
export async function waitForProcess(run: StartedRun, test: (p: ProcessInfo) => boolean): Promise<ProcessInfo> {
  for (;;) {
    const hit = processesOf(run).find(test);
    if (hit) return hit;
    if (run.child.exitCode !== null) throw new Error(`the run ended (exit ${run.child.exitCode}) before the process appeared:\n${run.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Processes of the run still alive after `ms` (or as soon as there are none). */
export async function survivorsAfter(run: Pick<StartedRun, 'mark' | 'pid'>, ms: number): Promise<ProcessInfo[]> {
  const until = performance.now() + ms;
  for (;;) {
    const left = processesOf(run);
    if (left.length === 0 || performance.now() > until) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every file under `dir` (relative paths), hidden ones included. */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

/** Names of temp files and folders of ours: a temp sibling, a work folder, a run folder. */
export const TEMP_NAME = /(^|\/)(\.[^/]+\.tmp-\d+-[0-9a-f]{8}(\.[A-Za-z0-9]+)?|\.work|\.retired-[^/]+|lock\.stale-\d+)(\/|$)/;

/** What interrupted run `pid` left in the system temp folder. */
export async function tempLeftoversOf(pid: number): Promise<string[]> {
  return (await readdir(tmpdir())).filter((n) => n.startsWith(`winship-${pid}-`) || n.startsWith(`.winship-secret.tmp-${pid}-`));
}

/** Files (under each of `roots`) holding `secret`, as bytes, UTF-8 or UTF-16LE. */
export async function filesHolding(secret: string, roots: readonly string[]): Promise<string[]> {
  const needles = [Buffer.from(secret, 'utf8'), Buffer.from(secret, 'utf16le')];
  const hits: string[] = [];
  for (const root of roots) {
    const files = statSync(root, { throwIfNoEntry: false })?.isDirectory() ? filesUnder(root).map((f) => join(root, f)) : existsSync(root) ? [root] : [];
    for (const f of files) {
      const data = await readFile(f).catch(() => Buffer.alloc(0));
      if (needles.some((n) => data.includes(n))) hits.push(f);
    }
  }
  return hits;
}

export const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

interface RecordedFile {
  path: string;
  sha256: string;
}

/**
 * What dist/ may hold after any interruption: every release file is recorded in the state with
 * its bytes (a file under a final name is complete), and a manifest or checksums file lists only
 * files that are there with those bytes. Returns the problems found. `unrecordedAllowed`: a run
 * killed between renaming a finished file into place and recording it leaves a complete file the
 * state does not list (the next run removes it first).
 */
export function distProblems(dist: string, o: { unrecordedAllowed?: boolean } = {}): string[] {
  const problems: string[] = [];
  const statePath = join(dist, '.winship', 'state.json');
  const state = existsSync(statePath) ? (JSON.parse(readFileSync(statePath, 'utf8')) as { artifacts: RecordedFile[] }) : { artifacts: [] };
  const recorded = new Map(state.artifacts.map((a) => [a.path, a.sha256]));
  for (const [path, digest] of recorded) {
    if (!existsSync(join(dist, path))) problems.push(`state lists ${path}, which is not there`);
    else if (sha256(join(dist, path)) !== digest) problems.push(`state lists ${path} with other bytes`);
  }
  const manifests = new Set(['artifacts.json', 'metadata.json', '.winship-dist']);
  for (const f of filesUnder(dist)) {
    if (f.startsWith('.winship/') || manifests.has(f) || TEMP_NAME.test(f)) continue;
    if (!recorded.has(f) && !o.unrecordedAllowed) problems.push(`${f} is in dist/ but not recorded in the state`);
  }
  if (existsSync(join(dist, 'artifacts.json'))) {
    const doc = JSON.parse(readFileSync(join(dist, 'artifacts.json'), 'utf8')) as { artifacts: RecordedFile[] };
    for (const a of doc.artifacts) {
      if (!existsSync(join(dist, a.path))) problems.push(`artifacts.json lists ${a.path}, which is not there`);
      else if (sha256(join(dist, a.path)) !== a.sha256) problems.push(`artifacts.json lists ${a.path} with other bytes`);
    }
  }
  for (const sums of filesUnder(dist).filter((f) => f.endsWith('_checksums.txt'))) {
    for (const line of readFileSync(join(dist, sums), 'utf8').trim().split('\n')) {
      const [digest, name] = line.split(/ [ *]/);
      if (!existsSync(join(dist, name!))) problems.push(`${sums} lists ${name}, which is not there`);
      else if (sha256(join(dist, name!)) !== digest) problems.push(`${sums} lists ${name} with other bytes`);
    }
  }
  return problems;
}

/** Run to the end; fails with the output when it exits otherwise than `expected`. */
export async function finish(run: StartedRun): Promise<number> {
  const r = await run.child;
  return r.exitCode ?? -1;
}

export { execa };
