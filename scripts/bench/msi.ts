// MSI benchmark (not a test), issue 9: the native writer against wixl (msitools 0.101) in the
// same run, on the same trees. For each size N (default 2,000 / 8,000 / 50,000 files):
//   tree:    N small files in nested folders (50 top × 20 sub, as scripts/bench/harvest makes
//            them), some names with spaces, `&` and non-ASCII Latin (café, résumé), plus
//            examples/hello's Go exe when it has been built (a real PE with a version resource);
//   native:  end to end in a child process — collect + harvest + WiX sources + .msi
//            (scripts/bench/msi-native-driver.ts, transpiled to plain JS and run on the built lib/:
//            no TypeScript loader in the time or the memory); process start included;
//   wixl:    `wixl -a x64 -o out.msi product.wxs payload.wxs` on sources rendered by the same code
//            with the wixl limits on (rendering not timed: it is the native side's harvest);
// both under GNU time for peak memory (max RSS). Each .msi must hold one File row per payload
// file (`msiinfo export out.msi File`), so a broken package is never timed as a fast one.
// Prints a markdown table, the native phases, the 50k/8k growth and whether the targets are met:
// 8,000 files ≤ 0.05× wixl's time; 50,000 files end to end < 10 s; 50k/8k ≤ 8×.
//   scripts/bench/msi [--sizes 2000,8000,50000] [--runs R] [--skip-wixl-above N] [--keep]
// --runs defaults to 3, but 1 for wixl at 20,000 files and more (50k takes 4+ minutes).
import { execa } from 'execa';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import ts from 'typescript';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '2000,8000,50000' },
    runs: { type: 'string' },
    'skip-wixl-above': { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const SIZES = values.sizes.split(',').map(Number).filter(Boolean);
const RUNS = values.runs === undefined ? undefined : Number(values.runs);
const SKIP_WIXL_ABOVE = values['skip-wixl-above'] === undefined ? Infinity : Number(values['skip-wixl-above']);
const nativeRuns = RUNS ?? 3;
const wixlRuns = (n: number) => RUNS ?? (n >= 20_000 ? 1 : 3);
const repo = join(import.meta.dirname, '..', '..');
const lib = join(repo, 'lib');
const EXE = join(repo, 'examples', 'hello', 'dist', 'hello_windows_amd64', 'hello.exe');

async function makeTree(root: string, n: number): Promise<void> {
  // 50 top folders × 20 subfolders × n/1000 files, as the harvest bench; one top folder in ten
  // and a few files in a hundred have spaces, `&` or accents in their names (all in codepage
  // 1252 and all names wixl 0.101 takes: it refuses only `$(`).
  const perDir = Math.max(1, Math.ceil(n / 1000));
  let made = 0;
  for (let a = 0; a < 50 && made < n; a++) {
    for (let b = 0; b < 20 && made < n; b++) {
      const dir = join(root, a % 10 === 3 ? `café ${a}` : `pkg${a}`, `mod ${b}`);
      await mkdir(dir, { recursive: true });
      const writes: Promise<void>[] = [];
      for (let c = 0; c < perDir && made < n; c++, made++) {
        const name = made % 97 === 0 ? `R&D file ${c}.txt` : made % 89 === 1 ? `résumé ${c}.txt` : `file${c}.dat`;
        writes.push(writeFile(join(dir, name), `${a}/${b}/${c}\n`));
      }
      await Promise.all(writes);
    }
  }
  if (existsSync(EXE)) await copyFile(EXE, join(root, 'hello.exe'));
}

/** Compiled modules older than their sources would time old code: say so. */
async function staleLib(): Promise<string[]> {
  const stale: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name.endsWith('.ts')) {
        const out = join(lib, relative(join(repo, 'src'), p)).replace(/\.ts$/, '.js');
        if (!existsSync(out) || (await stat(out)).mtimeMs < (await stat(p)).mtimeMs) stale.push(relative(repo, p));
      }
    }
  };
  await walk(join(repo, 'src'));
  return stale;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Run {
  seconds: number;
  peakMb: number;
  stdout: string;
}

/** One run of `cmd` under GNU time: wall seconds (measured here, ms resolution) and max RSS. */
async function timed(cmd: string[], cwd: string): Promise<Run> {
  const t = performance.now();
  const r = await execa('/usr/bin/time', ['-f', '%e %M', ...cmd], { cwd, reject: false, maxBuffer: 1 << 30 });
  const seconds = (performance.now() - t) / 1000;
  if (r.exitCode !== 0) throw new Error(`${cmd.join(' ')} failed (exit ${r.exitCode}):\n${r.stderr.slice(-4000)}`);
  const kb = Number(r.stderr.trim().split('\n').pop()!.split(' ')[1]);
  return { seconds, peakMb: kb / 1024, stdout: r.stdout };
}

/** File rows of an .msi as msiinfo reads them (its export has 3 header lines). */
async function fileRows(msi: string): Promise<number> {
  const r = await execa('bash', ['-c', 'set -o pipefail; msiinfo export "$1" File | wc -l', '_', msi], { reject: false });
  return r.exitCode === 0 ? Number(r.stdout.trim()) - 3 : -1;
}

interface Result {
  seconds: number;
  peakMb: number;
  runs: number;
  /** Why the package cannot be counted (wrong File rows), if so. */
  broken?: string;
  phases?: Record<string, number>;
}

async function bench(cmd: string[], cwd: string, msi: string, want: number, runs: number): Promise<Result & { last: string }> {
  const seconds: number[] = [];
  let peak = 0;
  let last = '';
  let broken: string | undefined;
  for (let i = 0; i < runs; i++) {
    await rm(msi, { force: true });
    const r = await timed(cmd, cwd);
    const rows = await fileRows(msi);
    if (rows !== want) broken ??= `${rows < 0 ? 'unreadable by msiinfo' : `${rows} File rows`}, want ${want}`;
    seconds.push(r.seconds);
    peak = Math.max(peak, r.peakMb);
    last = r.stdout;
  }
  return { seconds: median(seconds), peakMb: peak, runs, last, ...(broken ? { broken } : {}) };
}

const stale = await staleLib();
const work = await mkdtemp(join(tmpdir(), 'winship-bench-msi-'));
const driver = join(work, 'driver.mjs');
await writeFile(
  driver,
  ts.transpileModule(await readFile(join(import.meta.dirname, 'msi-native-driver.ts'), 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText,
);
const wixlVersion = (await execa('wixl', ['--version'])).stdout.trim();
console.log(
  `# MSI benchmark: native vs wixl ${wixlVersion}, ${new Date().toISOString()}, node ${process.version}, ${cpus().length} cores; ` +
    `runs: native ${nativeRuns}, wixl ${[...new Set(SIZES.map(wixlRuns))].join('/')} (median time, peak memory of all runs)`,
);
if (stale.length) console.log(`WARNING: lib/ is older than ${stale.length} source file(s) (${stale.slice(0, 3).join(', ')}…): run npm run build, these numbers are for the old code.`);
if (!existsSync(EXE)) console.log(`(no ${relative(repo, EXE)}: the trees have no exe; build examples/hello for one)`);

const results = new Map<number, { native: Result; wixl?: Result }>();
try {
  for (const n of SIZES) {
    const dir = join(work, `n${n}`);
    const tree = join(dir, 'tree');
    await makeTree(tree, n);
    const nativeDir = join(dir, 'native');
    const wixlDir = join(dir, 'wixl');

    const node = [process.execPath, driver, '--lib', lib, '--tree', tree];
    // Wixl's sources, and the payload's size the packages must hold.
    const prep = JSON.parse((await timed([...node, '--work', wixlDir, '--mode', 'sources', '--wixl'], dir)).stdout) as { payload: number };
    const want = prep.payload;
    process.stdout.write(`${n} files (+${want - n} exe): native`);
    const nat = await bench([...node, '--work', nativeDir, '--mode', 'native'], dir, join(nativeDir, 'out.msi'), want, nativeRuns);
    const native: Result = { ...nat, phases: (JSON.parse(nat.last) as { phases: Record<string, number> }).phases };
    process.stdout.write(` ${native.seconds.toFixed(2)} s`);
    let wixl: Result | undefined;
    if (n <= SKIP_WIXL_ABOVE) {
      process.stdout.write(', wixl');
      wixl = await bench(['wixl', '-a', 'x64', '-o', 'out.msi', 'product.wxs', 'payload.wxs'], wixlDir, join(wixlDir, 'out.msi'), want, wixlRuns(n));
      process.stdout.write(` ${wixl.seconds.toFixed(2)} s`);
    }
    process.stdout.write('\n');
    results.set(n, { native, ...(wixl ? { wixl } : {}) });
    if (!values.keep) await rm(dir, { recursive: true, force: true });
  }
} finally {
  if (values.keep) console.log(`kept ${work}`);
  else await rm(work, { recursive: true, force: true });
}

const s = (r: Result | undefined) => (r === undefined ? '—' : r.broken ? `BROKEN (${r.broken})` : r.seconds.toFixed(2));
const mb = (r: Result | undefined) => (r === undefined ? '—' : r.peakMb.toFixed(0));
const ratio = (a: number, b: Result | undefined) => (b === undefined || b.broken ? undefined : a / b.seconds);
const fmt = (x: number | undefined, digits = 3) => (x === undefined ? '—' : `${x.toFixed(digits)}×`);

console.log('\n| files | native s | native MB | wixl s | wixl MB | native/wixl |');
console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
for (const [n, { native, wixl }] of results) {
  console.log(`| ${n.toLocaleString('en-US')} | ${s(native)} | ${mb(native)} | ${s(wixl)} | ${mb(wixl)} | ${native.broken ? '—' : fmt(ratio(native.seconds, wixl))} |`);
}
console.log('\nnative s: process wall time, end to end (node start, collect, harvest + WiX sources, .msi). wixl s: wixl alone on ready sources. MB: peak RSS.');

console.log('\nNative phases (ms, last run, in the process): load = importing lib/, collect = listing the tree, sources = harvest + product.wxs/payload.wxs, msi = buildNativeMsi; MSI-only ratio = msi / wixl s.\n');
console.log('| files | load | collect | sources | write | msi | in-process total | msi/wixl |');
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const [n, { native, wixl }] of results) {
  const p = native.phases ?? {};
  console.log(`| ${n.toLocaleString('en-US')} | ${p.load} | ${p.collect} | ${p.sources} | ${p.write} | ${p.msi} | ${p.total} | ${fmt(ratio((p.msi ?? NaN) / 1000, wixl))} |`);
}

const verdict = (ok: boolean | undefined) => (ok === undefined ? 'not measured' : ok ? 'met' : 'NOT met');
const n8 = results.get(8000);
const n50 = results.get(50000);
const r8 = n8 && !n8.native.broken ? ratio(n8.native.seconds, n8.wixl) : undefined;
const msi8 = n8 && !n8.native.broken && n8.native.phases?.msi !== undefined ? ratio(n8.native.phases.msi / 1000, n8.wixl) : undefined;
const e2e50 = n50 && !n50.native.broken ? n50.native.seconds : undefined;
const growth = n8 && n50 && !n8.native.broken && !n50.native.broken ? n50.native.seconds / n8.native.seconds : undefined;
console.log('\nTargets:');
console.log(`- 8,000 files ≤ 0.05× wixl's time: ${fmt(r8)} end to end (MSI step alone ${fmt(msi8)}): ${verdict(r8 === undefined ? undefined : r8 <= 0.05)}`);
console.log(`- 50,000 files end to end < 10 s: ${e2e50 === undefined ? '—' : `${e2e50.toFixed(2)} s`}: ${verdict(e2e50 === undefined ? undefined : e2e50 < 10)}`);
console.log(`- linear growth, native 50k/8k ≤ 8× (files ×6.25): ${fmt(growth, 2)}: ${verdict(growth === undefined ? undefined : growth <= 8)}`);
console.log(`- peak memory, native at 50,000 files: ${n50 ? `${mb(n50.native)} MB` : '—'}${n50?.wixl ? ` (wixl ${mb(n50.wixl)} MB)` : ''}`);
const broken = [...results].flatMap(([n, r]) => [r.native.broken && `native ${n}`, r.wixl?.broken && `wixl ${n}`].filter(Boolean));
if (broken.length) {
  console.log(`\nBROKEN packages (not counted): ${broken.join(', ')}`);
  process.exitCode = 1;
}
