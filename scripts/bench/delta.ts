// Delta benchmark (not a test): see scripts/bench/delta. Every tool runs on the same pair in the
// same run; times are medians of --runs, peak memory is the largest resident size GNU time saw.
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { pairs: { type: 'string', default: 'small,dep,release,msi' }, runs: { type: 'string', default: '3' } } });
const RUNS = Number(values.runs);
const repo = join(import.meta.dirname, '..', '..');
const cache = join(repo, '.cache', 'bench-delta');
const release = join(repo, 'bin', 'release.js');

interface Pair {
  name: string;
  old: string;
  neu: string;
}

async function goBuild(dir: string, out: string, pkg = '.'): Promise<void> {
  await execa('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', out, pkg], { cwd: dir, env: { GOOS: 'windows', GOARCH: 'amd64', CGO_ENABLED: '0' } });
}

const APP = (greeting: string) => `package main

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"text/template"
)

var greeting = "${greeting}"

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { json.NewEncoder(w).Encode(map[string]string{"greeting": greeting}) })
	template.Must(template.New("x").Parse("{{.}}\\n")).Execute(os.Stdout, greeting)
	_ = tls.Config{}
	if len(os.Args) > 1 {
		fmt.Println(http.ListenAndServe(os.Args[1], nil))
	}
}
`;

async function smallPair(): Promise<Pair> {
  const dir = join(cache, 'small');
  const old = join(dir, 'v1.exe');
  const neu = join(dir, 'v2.exe');
  if (!existsSync(neu)) {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'go.mod'), 'module example.com/app\n\ngo 1.21\n');
    await writeFile(join(dir, 'main.go'), APP('hello from version one'));
    await goBuild(dir, old);
    await writeFile(join(dir, 'main.go'), APP('hello from the second version'));
    await goBuild(dir, neu);
  }
  return { name: 'Go exe, one changed string', old, neu };
}

async function gopls(name: string, goplsVersion: string, bump: string[] = []): Promise<string> {
  const dir = join(cache, name);
  const out = join(cache, `${name}.exe`);
  if (existsSync(out)) return out;
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'go.mod'), 'module example.com/b\n\ngo 1.21\n');
  await execa('go', ['get', `golang.org/x/tools/gopls@${goplsVersion}`], { cwd: dir });
  if (bump.length) await execa('go', ['get', ...bump], { cwd: dir });
  await goBuild(dir, out, 'golang.org/x/tools/gopls');
  return out;
}

async function msiPair(): Promise<Pair> {
  const dir = join(cache, 'msi');
  const old = join(dir, 'hello_1.0.0_x64.msi');
  const neu = join(dir, 'hello_1.1.0_x64.msi');
  if (!existsSync(neu)) {
    await mkdir(dir, { recursive: true });
    for (const [version, file] of [['1.0.0', old], ['1.1.0', neu]] as const) {
      const project = join(dir, `hello-${version}`);
      await rm(project, { recursive: true, force: true });
      await execa('cp', ['-r', join(repo, 'examples', 'hello'), project]);
      await rm(join(project, 'dist'), { recursive: true, force: true });
      // The example's go.mod replaces go/update and go/patch by relative paths: point them here.
      await execa('go', ['mod', 'edit', `-replace=github.com/winship/winship/go/update=${join(repo, 'go', 'update')}`, `-replace=github.com/winship/winship/go/patch=${join(repo, 'go', 'patch')}`], { cwd: project });
      if (version === '1.1.0') await writeFile(join(project, 'main.go'), (await readFile(join(project, 'main.go'), 'utf8')).replace('This is hello', 'Here is hello'));
      const git = { GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z', GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.com' };
      await execa('git', ['init', '-q'], { cwd: project });
      await execa('git', ['add', '-A'], { cwd: project });
      await execa('git', ['commit', '-qm', version], { cwd: project, env: git });
      await execa('node', [release, 'build', '--version', version, '--targets', 'windows/amd64', '--skip', 'sign,sign-packages,msix,appinstaller', '--clean'], { cwd: project, env: { SOURCE_DATE_EPOCH: '1767225600' } });
      await copyFile(join(project, 'dist', `hello_${version}_x64.msi`), file);
    }
  }
  return { name: 'MSI (example, x64), one changed string', old, neu };
}

interface Measure {
  bytes: number;
  seconds: number;
  peakMb: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs `cmd` RUNS times under GNU time; the output file's size, median seconds, peak RSS. */
async function measure(cmd: string[], out: string, runs = RUNS): Promise<Measure> {
  const seconds: number[] = [];
  let peak = 0;
  for (let i = 0; i < runs; i++) {
    const r = await execa('/usr/bin/time', ['-f', '%e %M', ...cmd], { reject: false, all: true });
    if (r.exitCode !== 0) throw new Error(`${cmd.join(' ')} failed:\n${r.all}`);
    const [s, kb] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
    seconds.push(s!);
    peak = Math.max(peak, kb! / 1024);
  }
  return { bytes: (await stat(out)).size, seconds: median(seconds), peakMb: peak };
}

async function benchPair(pair: Pair, goApplier: string): Promise<void> {
  const dir = join(cache, 'out');
  await mkdir(dir, { recursive: true });
  const size = (await stat(pair.neu)).size;
  const ours = await measure(['node', release, 'patch', 'create', pair.old, pair.neu, '-o', join(dir, 'ours.patch')], join(dir, 'ours.patch'));
  const bsdiff = await measure(['bsdiff', pair.old, pair.neu, join(dir, 'bsdiff.patch')], join(dir, 'bsdiff.patch'));
  const xdelta = await measure(['xdelta3', '-9', '-f', '-e', '-s', pair.old, pair.neu, join(dir, 'xdelta.patch')], join(dir, 'xdelta.patch'));
  const zstd = await measure(['zstd', '-q', '-f', '-19', '--long=27', `--patch-from=${pair.old}`, pair.neu, '-o', join(dir, 'zstd.patch')], join(dir, 'zstd.patch'));
  const applyNode = await measure(['node', release, 'patch', 'apply', pair.old, join(dir, 'ours.patch'), '-o', join(dir, 'node.out')], join(dir, 'node.out'));
  const applyGo = await measure([goApplier, pair.old, join(dir, 'ours.patch'), join(dir, 'go.out')], join(dir, 'go.out'));
  const bspatch = await measure(['bspatch', pair.old, join(dir, 'bspatch.out'), join(dir, 'bsdiff.patch')], join(dir, 'bspatch.out'));
  for (const out of ['node.out', 'go.out', 'bspatch.out']) {
    if (Buffer.compare(await readFile(join(dir, out)), await readFile(pair.neu)) !== 0) throw new Error(`${out} is not the new file`);
  }
  const row = (name: string, m: Measure) =>
    `| ${name.padEnd(24)} | ${m.bytes.toLocaleString('en-US').padStart(11)} | ${m.seconds.toFixed(2).padStart(6)} s | ${m.peakMb.toFixed(0).padStart(5)} MB |`;
  console.log(`\n### ${pair.name}: ${size.toLocaleString('en-US')} bytes\n`);
  console.log('| tool                     | patch bytes |   time   | peak mem |');
  console.log('| --- | --- | --- | --- |');
  console.log(row('winship (Node)', ours));
  console.log(row('bsdiff 4.3', bsdiff));
  console.log(row('xdelta3 -9', xdelta));
  console.log(row('zstd -19 --patch-from', zstd));
  console.log(
    `\nratios: size ${(ours.bytes / bsdiff.bytes).toFixed(2)}× bsdiff's, ${(ours.bytes / zstd.bytes).toFixed(2)}× zstd's (targets ≤ 0.7); ` +
      `diff time ${(ours.seconds / bsdiff.seconds).toFixed(2)}× bsdiff's (target ≤ 0.5); peak memory ${(ours.peakMb / bsdiff.peakMb).toFixed(2)}× bsdiff's (target ≤ 1)`,
  );
  console.log(`apply: winship Node ${applyNode.seconds.toFixed(2)} s (${applyNode.peakMb.toFixed(0)} MB), Go ${applyGo.seconds.toFixed(2)} s (${applyGo.peakMb.toFixed(0)} MB), bspatch ${bspatch.seconds.toFixed(2)} s`);
}

await mkdir(cache, { recursive: true });
const goApplier = join(cache, 'winship-patch-apply');
await execa('go', ['build', '-trimpath', '-o', goApplier, './cmd/winship-patch-apply'], { cwd: join(repo, 'go', 'patch') });
const wanted = values.pairs.split(',');
const pairs: Pair[] = [];
if (wanted.includes('small')) pairs.push(await smallPair());
if (wanted.includes('dep')) pairs.push({ name: 'gopls v0.20.0, golang.org/x/tools bumped to v0.36.0', old: await gopls('gopls-v0.20.0', 'v0.20.0'), neu: await gopls('gopls-v0.20.0-tools036', 'v0.20.0', ['golang.org/x/tools@v0.36.0']) });
if (wanted.includes('release')) pairs.push({ name: 'gopls v0.20.0 → v0.21.0 (a release of its own)', old: await gopls('gopls-v0.20.0', 'v0.20.0'), neu: await gopls('gopls-v0.21.0', 'v0.21.0') });
if (wanted.includes('msi')) pairs.push(await msiPair());
console.log(`# delta benchmark, ${RUNS} run(s) each, ${new Date().toISOString()}`);
for (const pair of pairs) await benchPair(pair, goApplier);
