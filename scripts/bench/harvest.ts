// Harvest benchmark (not a test). Builds a tree of N files (default 50,000) in nested folders,
// then times, in the same run and on the same tree:
//   ours:     node bin/release.js harvest tree --upgrade-code … (process start included)
//   anchor:   find tree -type f | wixl-heat --prefix tree/ … (msitools 0.101)
// and prints the ratio (goal ≤ 0.2×) and whether each tool's output is byte-identical run to run.
// Then wixl's MSI build time for trees of the --msi-sizes sizes harvested by us (quadratic in
// 0.101: measured 0.46 s / 5.3 s / 255 s for 2k / 8k / 50k files).
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { files: { type: 'string', default: '50000' }, 'msi-sizes': { type: 'string', default: '2000,8000,50000' }, runs: { type: 'string', default: '3' } } });
const N = Number(values.files);
const RUNS = Number(values.runs);
const UPGRADE = '6E1F3C2A-9B7D-4E8F-A1B2-C3D4E5F60718';
const repo = join(import.meta.dirname, '..', '..');
const release = join(repo, 'bin', 'release.js');

async function makeTree(root: string, n: number): Promise<void> {
  // 50 top folders × 20 subfolders × n/1000 files: a realistic depth, with some nasty names.
  const perDir = Math.max(1, Math.ceil(n / 1000));
  let made = 0;
  for (let a = 0; a < 50 && made < n; a++) {
    for (let b = 0; b < 20 && made < n; b++) {
      const dir = join(root, `pkg${a}`, `mod ${b}`);
      await mkdir(dir, { recursive: true });
      for (let c = 0; c < perDir && made < n; c++, made++) {
        await writeFile(join(dir, c % 97 === 0 ? `R&D file ${c}.txt` : `file${c}.dat`), `${a}/${b}/${c}\n`);
      }
    }
  }
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);

async function time<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const work = await mkdtemp(join(tmpdir(), 'winship-bench-harvest-'));
try {
  const tree = join(work, 'tree');
  await makeTree(tree, N);
  console.log(`tree: ${N} files in ${work}`);

  const ours = async () => (await execa(process.execPath, [release, 'harvest', 'tree', '--upgrade-code', UPGRADE], { cwd: work, maxBuffer: 1 << 30 })).stdout;
  const anchor = async () =>
    (await execa('bash', ['-c', 'find tree -type f | wixl-heat --prefix tree/ --directory-ref INSTALLFOLDER --component-group ProductComponents --var var.SourceDir --win64'], { cwd: work, maxBuffer: 1 << 30 })).stdout;

  const oursRuns: number[] = [];
  const anchorRuns: number[] = [];
  const oursOut = new Set<string>();
  const anchorOut = new Set<string>();
  for (let i = 0; i < RUNS; i++) {
    const a = await time(anchor);
    anchorRuns.push(a.ms);
    anchorOut.add(sha(a.value));
    const o = await time(ours);
    oursRuns.push(o.ms);
    oursOut.add(sha(o.value));
  }
  const o = median(oursRuns);
  const a = median(anchorRuns);
  console.log(`harvest ${N} files (median of ${RUNS}):`);
  console.log(`  ours (release harvest)   ${(o / 1000).toFixed(2)} s   output identical across runs: ${oursOut.size === 1 ? 'yes' : 'NO'}`);
  console.log(`  find | wixl-heat         ${(a / 1000).toFixed(2)} s   output identical across runs: ${anchorOut.size === 1 ? 'yes' : 'no (random Directory ids)'}`);
  console.log(`  ratio ours/wixl-heat     ${(o / a).toFixed(3)}×   (goal ≤ 0.2×)`);

  for (const size of values['msi-sizes']!.split(',').map(Number).filter(Boolean)) {
    const dir = join(work, `msi-${size}`);
    await makeTree(join(dir, 'tree'), size);
    await writeFile(join(dir, 'payload.wxs'), (await execa(process.execPath, [release, 'harvest', 'tree', '--upgrade-code', UPGRADE], { cwd: dir, maxBuffer: 1 << 30 })).stdout);
    await writeFile(
      join(dir, 'product.wxs'),
      `<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="11111111-2222-3333-4444-555555555555" Name="Bench" Language="1033" Version="1.0.0" Manufacturer="Bench" UpgradeCode="${UPGRADE}">
    <Package InstallerVersion="200" Compressed="yes" InstallScope="perMachine"/>
    <MediaTemplate EmbedCab="yes"/>
    <Directory Id="TARGETDIR" Name="SourceDir"><Directory Id="ProgramFiles64Folder"><Directory Id="INSTALLFOLDER" Name="Bench"/></Directory></Directory>
    <Feature Id="Main" Level="1"><ComponentGroupRef Id="ProductComponents"/></Feature>
  </Product>
</Wix>
`,
    );
    const t = await time(() => execa('wixl', ['-a', 'x64', '-o', 'bench.msi', 'product.wxs', 'payload.wxs'], { cwd: dir }));
    console.log(`wixl MSI build, ${String(size).padStart(6)} files harvested by us: ${(t.ms / 1000).toFixed(2)} s`);
    await rm(dir, { recursive: true, force: true });
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
