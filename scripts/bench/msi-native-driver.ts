// Child process of scripts/bench/msi.ts (not run by hand): one package, end to end, the way the
// msi stage makes it — collect the payload folder, harvest it and render product.wxs +
// payload.wxs (buildWixSources), write them into the work dir, then (mode `native`) build the
// .msi with buildNativeMsi. Prints one JSON line: phase times, what was built, and the process's
// own peak memory. The modules come from the built lib/ (the code users run), imported from
// --lib: msi.ts transpiles this file to plain JS so no TypeScript loader is timed or counted.
//   node driver.mjs --lib LIBDIR --tree DIR --work DIR --mode native|sources [--wixl] [--exe REL]
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    lib: { type: 'string' },
    tree: { type: 'string' },
    work: { type: 'string' },
    mode: { type: 'string', default: 'native' },
    wixl: { type: 'boolean', default: false },
  },
});
const lib = values.lib!;
const tree = values.tree!;
const work = values.work!;
const UPGRADE = '6E1F3C2A-9B7D-4E8F-A1B2-C3D4E5F60718';
const PACKAGE_CODE = '0F4C7E1A-2B3D-4C5E-8F90-A1B2C3D4E5F6';
const DATE = new Date('2026-01-01T00:00:00Z');

const t0 = performance.now();
const load = <T>(rel: string): Promise<T> => import(pathToFileURL(join(lib, rel)).href) as Promise<T>;
const [{ collectPayload }, { buildWixSources }, { buildNativeMsi }] = await Promise.all([
  load<typeof import('../../src/msi/wix/payload.js')>('msi/wix/payload.js'),
  load<typeof import('../../src/msi/wix/sources.js')>('msi/wix/sources.js'),
  load<typeof import('../../src/msi/native/build.js')>('msi/native/build.js'),
]);
const phases: Record<string, number> = {};
let last = t0;
const lap = (name: string) => {
  const now = performance.now();
  phases[name] = Math.round(now - last);
  last = now;
};
lap('load');

const payload = await collectPayload(tree);
lap('collect');
const sources = await buildWixSources({
  productName: 'Bench',
  manufacturer: 'Bench',
  version: '1.0.0',
  upgradeCode: UPGRADE,
  arch: 'x64',
  payload,
  fragment: { sourceRelativeTo: work },
  wixl: values.wixl,
});
lap('sources');
await mkdir(work, { recursive: true });
const names = Object.keys(sources.files).sort();
for (const f of names) await writeFile(join(work, f), sources.files[f]!);
lap('write');

let built: { files: number; cabinets: number; bytes: number } | undefined;
if (values.mode === 'native') {
  built = await buildNativeMsi({ workDir: work, sources: names, output: join(work, 'out.msi'), arch: 'x64', packageCode: PACKAGE_CODE, date: DATE, payload: sources.model }); // as the msi stage does
  lap('msi');
}
phases.total = Math.round(performance.now() - t0);

console.log(
  JSON.stringify({
    payload: payload.length,
    sources: names,
    warnings: sources.warnings,
    ...(built ? { built } : {}),
    phases,
    // kilobytes on Linux, like GNU time's %M
    maxRssKb: process.resourceUsage().maxRSS,
  }),
);
