// Fault injection through the real CLI: a release killed with SIGKILL at ten moments, stopped with
// SIGTERM in every stage, and two releases started at once in one project. After each: no
// process of the run left, no secret in any file, no file under a final name that is not
// complete and recorded, no manifest listing a missing or different file; and the next run
// succeeds and leaves no temp file behind.
//
// The moments come from fault points (src/util/faults.ts: the run pauses right after it
// started a tool, or with a temp file complete but not yet renamed) or from the real tools
// (a compile process running, osslsigncode waiting on a time-stamp server that never answers).

import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitAll, makeGitProject, repoRoot } from '../support/cli.js';
import {
  distProblems,
  execa,
  filesHolding,
  filesUnder,
  finish,
  processesOf,
  sha256,
  startRun,
  survivorsAfter,
  TEMP_NAME,
  tempLeftoversOf,
  waitForProcess,
  type StartedRun,
} from '../support/faults.js';
import { pipeline } from '../../src/pipeline/pipeline.js';
import { createTestPki, type TestPki } from '../support/pki.js';
import { startTsaFleet, type TsaFleet } from '../support/tsa-fleet.js';

const fixture = join(repoRoot, 'test', 'fixtures', 'goapp');
let work: string;
let pki: TestPki;
let fleet: TsaFleet;
let project: string;
let password: string;
let env: Record<string, string>;

const config = (o: { servers: string[]; flags?: string; timeoutSeconds?: number }) => `project:
  name: goapp
  vendor: Fixture & Sons
builds:
  - binary: goapp
    targets: [windows/amd64]${o.flags ? `\n    flags: ${o.flags}` : ''}
    resources:
      icon: app.ico
msi:
  upgradeCode: 6E1F3C2A-9B7D-4E8F-A1B2-C3D4E5F60718
archives:
  files: [README.md, LICENSE]
sign:
  certificate:
    pfx: ${pki.codeSigning.pfxPath}
  description: Goapp
  verify:
    caFile: ${pki.rootBundlePath}
    tsaCaFile: ${pki.rootBundlePath}
timestamp:
  servers:
${o.servers.map((s) => `    - ${fleet.url(s)}`).join('\n')}
  timeoutSeconds: ${o.timeoutSeconds ?? 20}
  retries: 0
  probe: false
`;

async function useConfig(o: Parameters<typeof config>[0]): Promise<void> {
  await writeFile(join(project, 'release.yaml'), config(o));
  await commitAll(project, 'config');
  await execa('git', ['tag', '-f', 'v1.0.0'], { cwd: project }); // the release stays 1.0.0
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'winship-faults-'));
  pki = await createTestPki(join(work, 'pki'));
  fleet = await startTsaFleet(pki, [
    { kind: 'hang', name: 'hang' },
    { kind: 'healthy', name: 'healthy' },
  ]);
  password = pki.codeSigning.pfxPassword;
  env = { WINSHIP_PFX_PASSWORD: password };
  project = await makeGitProject(fixture, join(work, 'project'), { tag: 'v1.0.0' });
  await useConfig({ servers: ['healthy'] });
});
afterAll(async () => {
  await fleet?.stop();
});

const dist = () => join(project, 'dist');

/** Everything that must hold after a run ended however it ended. */
async function expectNothingLeft(run: StartedRun, how: string, o: { unrecordedAllowed?: boolean } = {}): Promise<void> {
  // The watchdog gives a tree 2 s after SIGTERM before SIGKILL; 15 s is a wide bound for a loaded machine.
  expect(await survivorsAfter(run, 15_000), `processes of the run alive after ${how}`).toEqual([]);
  expect(await filesHolding(password, [dist(), ...(await tempLeftoversOf(run.pid)).map((n) => join(tmpdir(), n))]), 'files holding the password').toEqual([]);
  expect(run.output()).not.toContain(password);
  expect(distProblems(dist(), o), `dist/ after ${how}`).toEqual([]);
}

/** The next run mends everything: exit 0, a complete release, no temp file of any run. */
async function expectNextRunSucceeds(killed: StartedRun): Promise<StartedRun> {
  const next = startRun(project, ['build'], env);
  expect(await finish(next), next.output()).toBe(0);
  expect(next.output()).not.toContain(password);
  expect(filesUnder(dist()).filter((f) => TEMP_NAME.test(f)), 'temp files in dist/').toEqual([]);
  expect(await tempLeftoversOf(killed.pid), 'the killed run’s temp folder').toEqual([]);
  expect(await tempLeftoversOf(next.pid)).toEqual([]);
  expect(distProblems(dist())).toEqual([]);
  const sums = filesUnder(dist()).find((f) => f.endsWith('_checksums.txt'))!;
  const checked = (await execa('sha256sum', ['-c', '--strict', sums], { cwd: dist() })).stdout.split('\n');
  expect(checked.map((l) => l.replace(/: OK$/, '')).sort()).toEqual(['goapp_1.0.0_windows_amd64.zip', 'goapp_1.0.0_x64.msi', 'goapp_windows_amd64/goapp.exe']);
  return next;
}

describe('kill -9 at any moment of a release', () => {
  const paused: [string, string][] = [
    ['version resources (exe rewritten, not yet renamed)', 'rename&goapp.exe@2'],
    ['MSI build (the MSI written under its temp name)', 'rename&.msi'],
    ['package signing (osslsigncode just started on the MSI)', 'spawn osslsigncode sign&.msi'],
    ['archive (zip written under its temp name)', 'rename&.zip'],
    ['checksums (written under a temp name)', 'rename&_checksums.txt'],
    ['manifests (artifacts.json under a temp name)', 'rename&artifacts.json'],
  ];
  it.each(paused)('during %s', async (_what, pause) => {
    const run = startRun(project, ['build'], env, pause);
    await run.waitForOutput('winship-fault: paused at');
    run.child.kill('SIGKILL');
    await run.child;
    await expectNothingLeft(run, `kill -9 at ${pause}`);
    await expectNextRunSucceeds(run);
  });

  it('while the release state is written, after a file was renamed into place but before the state lists it', async () => {
    const run = startRun(project, ['build'], env, 'rename&state.json@2');
    await run.waitForOutput('winship-fault: paused at');
    run.child.kill('SIGKILL');
    await run.child;
    // The one window left: goapp.exe is complete under its name, but no state lists it yet.
    await expectNothingLeft(run, 'kill -9 writing the state', { unrecordedAllowed: true });
    const unrecorded = distProblems(dist()).filter((p) => p.includes('not recorded'));
    expect(unrecorded).toEqual(['goapp_windows_amd64/goapp.exe is in dist/ but not recorded in the state']);
    // The next run removes it before anything else.
    const next = await expectNextRunSucceeds(run);
    expect(next.output()).toContain('that no release state lists (left by an interrupted run): goapp_windows_amd64/goapp.exe');
  });

  it('during go build (compile running)', async () => {
    await useConfig({ servers: ['healthy'], flags: '[-a]' }); // -a: rebuild the standard library too, so compile runs for seconds
    try {
      const run = startRun(project, ['build'], env);
      await waitForProcess(run, (p) => p.comm === 'compile');
      run.child.kill('SIGKILL');
      await run.child;
      await expectNothingLeft(run, 'kill -9 during go build');
    } finally {
      await useConfig({ servers: ['healthy'] });
    }
    await expectNextRunSucceeds({ pid: -1 } as StartedRun);
  });

  it('during signing, with osslsigncode waiting on a time-stamp server that never answers', async () => {
    await useConfig({ servers: ['hang', 'healthy'], timeoutSeconds: 600 });
    try {
      const before = fleet.server('hang').requestCount;
      const run = startRun(project, ['build'], env);
      await waitForProcess(run, (p) => p.comm === 'osslsigncode' && p.cmdline.includes(' sign '));
      while (fleet.server('hang').requestCount === before) await new Promise((r) => setTimeout(r, 25));
      run.child.kill('SIGKILL');
      await run.child;
      await expectNothingLeft(run, 'kill -9 while signing against a hung server');
    } finally {
      await useConfig({ servers: ['healthy'] });
    }
    await expectNextRunSucceeds({ pid: -1 } as StartedRun);
  });
});

describe('SIGTERM in every stage', () => {
  const stages: [string, string][] = [
    ['check', 'spawn&go list'],
    ['build', 'spawn&go build'],
    ['resources', 'rename&goapp.exe@2'],
    ['sign', 'spawn osslsigncode sign&.exe'],
    ['msi', 'rename&.msi'],
    ['sign-packages', 'spawn osslsigncode sign&.msi'],
    ['archive', 'rename&.zip'],
    ['checksum', 'rename&_checksums.txt'],
    ['manifest', 'rename&artifacts.json'],
  ];
  it.each(stages)('%s: exits 143, stops its tools, removes its temp files', async (stage, pause) => {
    const run = startRun(project, ['build'], env, pause);
    await run.waitForOutput('winship-fault: paused at');
    // Paused inside that stage (not in a preflight that runs the same tool).
    expect(run.output()).toContain(`▶ ${pipeline.find((s) => s.id === stage)!.title}\n`);
    run.child.kill('SIGTERM');
    expect(await finish(run), run.output()).toBe(143);
    expect(run.output()).toContain('SIGTERM: stopping');
    await expectNothingLeft(run, `SIGTERM at ${pause}`);
    // Its own temp files (their names carry its pid) and its lock are gone.
    const own = (f: string) => (TEMP_NAME.test(f) && (f.includes(`-${run.pid}-`) || f.includes(`.work/${run.pid}-`))) || f === '.winship/lock';
    expect(filesUnder(dist()).filter(own), 'temp files and the lock').toEqual([]);
    expect(await tempLeftoversOf(run.pid)).toEqual([]);
  });
});

describe('Ctrl-C', () => {
  it('SIGINT while signing exits 130, with its tools stopped and its temp files removed', async () => {
    const run = startRun(project, ['build'], env, 'spawn osslsigncode sign&.exe');
    await run.waitForOutput('winship-fault: paused at');
    run.child.kill('SIGINT');
    expect(await finish(run), run.output()).toBe(130);
    expect(run.output()).toContain('SIGINT: stopping');
    await expectNothingLeft(run, 'SIGINT while signing');
    expect(await tempLeftoversOf(run.pid)).toEqual([]);
  });
});

describe('two releases at once in one project', () => {
  it('run one after the other: the second waits, and dist/ holds one whole release', async () => {
    const first = startRun(project, ['build', '--version', '2.0.0'], env, 'rename&.msi');
    await first.waitForOutput('winship-fault: paused at');
    const second = startRun(project, ['build', '--version', '3.0.0'], env);
    await second.waitForOutput('waiting for another winship run');
    expect(processesOf(second).length).toBeGreaterThan(0);
    // The first one goes on (SIGTERM ends its pause; the run stops: exit 143), then the second runs.
    first.child.kill('SIGTERM');
    expect(await finish(first)).toBe(143);
    expect(await finish(second), second.output()).toBe(0);
    expect(distProblems(dist())).toEqual([]);
    const state = JSON.parse((await import('node:fs')).readFileSync(join(dist(), '.winship', 'state.json'), 'utf8'));
    expect(state.release.version).toBe('3.0.0');
    const zip = filesUnder(dist()).find((f) => f.endsWith('.zip'))!;
    expect(zip).toBe('goapp_3.0.0_windows_amd64.zip');
    const exeInZip = (await execa('unzip', ['-p', join(dist(), zip), 'goapp.exe'], { encoding: 'buffer' })).stdout as Uint8Array;
    const exe = state.artifacts.find((a: { kind: string }) => a.kind === 'binary');
    expect(sha256(join(dist(), exe.path))).toBe(exe.sha256);
    expect((await import('node:crypto')).createHash('sha256').update(exeInZip).digest('hex')).toBe(exe.sha256);
  });

  it('both started together: both succeed, one after the other', async () => {
    const a = startRun(project, ['build', '--version', '4.0.0'], env);
    const b = startRun(project, ['build', '--version', '5.0.0'], env);
    const [ca, cb] = await Promise.all([finish(a), finish(b)]);
    expect([ca, cb], `${a.output()}\n---\n${b.output()}`).toEqual([0, 0]);
    // Usually one of them says it waits; on a slow machine one may be done before the other
    // looks (the test above makes the wait certain). Either way they did not overlap: dist/
    // holds one whole release of one of the two versions.
    expect(distProblems(dist())).toEqual([]);
    const version = JSON.parse((await import('node:fs')).readFileSync(join(dist(), '.winship', 'state.json'), 'utf8')).release.version as string;
    expect(['4.0.0', '5.0.0']).toContain(version);
    expect(filesUnder(dist()).filter((f) => !f.startsWith('.')).sort()).toEqual(
      [`goapp_${version}_checksums.txt`, `goapp_${version}_windows_amd64.zip`, `goapp_${version}_x64.msi`, 'artifacts.json', 'goapp_windows_amd64/goapp.exe', 'metadata.json'].sort(),
    );
    const sums = filesUnder(dist()).find((f) => f.endsWith('_checksums.txt'))!;
    await execa('sha256sum', ['-c', '--strict', sums], { cwd: dist() });
  });
});
