import { describe, expect, it } from 'vitest';
import type { Stage } from '../../../src/context/stage.js';
import { pipeline } from '../../../src/pipeline/pipeline.js';
import { jobLabel, mustWait, planJobs, runJobs, type Job } from '../../../src/pipeline/schedule.js';
import { CancelledError } from '../../../src/util/errors.js';

const stage = (id: string) => pipeline.find((s) => s.id === id)!;
const jobs = planJobs(pipeline, ['windows/amd64', 'windows/arm64']);
const job = (label: string) => jobs.find((j) => jobLabel(j) === label)!;
const depsOf = (label: string) => job(label).deps.map(jobLabel);

describe('how the stages overlap', () => {
  it('derives who waits for whom from the artifact kinds, per target', () => {
    expect(depsOf('check')).toEqual([]);
    expect(depsOf('build windows/amd64')).toEqual(['check']);
    expect(depsOf('resources windows/amd64')).toEqual(['check', 'build windows/amd64']);
    expect(depsOf('sign windows/arm64')).toEqual(['check', 'build windows/arm64', 'resources windows/arm64']);
    expect(depsOf('msi windows/amd64')).toEqual(['check', 'build windows/amd64', 'resources windows/amd64', 'sign windows/amd64']);
    expect(depsOf('msix windows/amd64')).toEqual(['check', 'build windows/amd64', 'resources windows/amd64', 'sign windows/amd64']);
    expect(depsOf('sign-packages windows/amd64')).toEqual(['check', 'msi windows/amd64', 'msix windows/amd64']);
    // An App Installer file names the signed package of its own target.
    expect(depsOf('appinstaller windows/amd64')).toEqual(['check', 'msix windows/amd64', 'sign-packages windows/amd64']);
    // A zip waits for its signed exe and, yielding the CPU, for the packages to be built; not for their signing.
    expect(depsOf('archive windows/amd64')).toEqual([
      'check',
      'build windows/amd64',
      'resources windows/amd64',
      'sign windows/amd64',
      'msi windows/amd64',
      'msi windows/arm64',
      'msix windows/amd64',
      'msix windows/arm64',
    ]);
    expect(depsOf('archive windows/amd64')).not.toContain('sign-packages windows/amd64');
    expect(depsOf('checksum')).toEqual(jobs.filter((j) => !['checksum', 'manifest', 'publish'].includes(j.stage.id)).map(jobLabel));
    expect(depsOf('manifest')).toContain('checksum');
    // Publishing waits for everything: the manifests it uploads write no artifact kind.
    expect(depsOf('publish')).toEqual(jobs.filter((j) => j.stage.id !== 'publish').map(jobLabel));
  });

  it('never lets a stage rewrite files an earlier one is still reading', () => {
    const reader: Stage = { ...stage('archive'), id: 'early-reader' };
    expect(mustWait(stage('sign'), reader)).toBe(true);
    expect(mustWait(stage('archive'), stage('msi'))).toBe(false);
  });

  it('runs a job as soon as its dependencies are done, not stage by stage', async () => {
    const order: string[] = [];
    const release = new Map<string, () => void>();
    const hold = (label: string) => new Promise<void>((r) => release.set(label, r));
    const plan = planJobs(pipeline.filter((s) => ['build', 'sign', 'archive'].includes(s.id)), ['windows/amd64', 'windows/arm64']);
    const run = runJobs(plan, {
      signal: new AbortController().signal,
      sequential: false,
      run: async (j) => {
        order.push(`start ${jobLabel(j)}`);
        if (jobLabel(j) === 'build windows/arm64') await hold('arm64');
        order.push(`end ${jobLabel(j)}`);
      },
    });
    for (let i = 0; i < 20 && !order.includes('end archive windows/amd64'); i++) await new Promise((r) => setImmediate(r));
    // amd64 is signed and zipped while arm64 still builds.
    expect(order).toContain('end archive windows/amd64');
    expect(order).not.toContain('end build windows/arm64');
    expect(order.filter((e) => e.includes('amd64'))).toEqual([
      'start build windows/amd64',
      'end build windows/amd64',
      'start sign windows/amd64',
      'end sign windows/amd64',
      'start archive windows/amd64',
      'end archive windows/amd64',
    ]);
    release.get('arm64')!();
    await run;
    expect(order.slice(order.indexOf('end build windows/arm64'))).toEqual(['end build windows/arm64', 'start sign windows/arm64', 'end sign windows/arm64', 'start archive windows/arm64', 'end archive windows/arm64']);
  });

  it('the first failure stops running jobs, starts no waiting one, and is the error thrown', async () => {
    const started: string[] = [];
    const stopped: string[] = [];
    const plan = planJobs(pipeline.filter((s) => ['build', 'sign'].includes(s.id)), ['windows/amd64', 'windows/arm64']);
    const failure = new Error('go build failed for windows/arm64');
    await expect(
      runJobs(plan, {
        signal: new AbortController().signal,
        sequential: false,
        run: (j, signal) => {
          started.push(jobLabel(j));
          if (jobLabel(j) === 'build windows/arm64') return Promise.reject(failure);
          return new Promise<void>((_, reject) =>
            signal.addEventListener('abort', () => {
              stopped.push(jobLabel(j));
              reject(new CancelledError());
            }),
          );
        },
      }),
    ).rejects.toBe(failure);
    expect(started).toEqual(['build windows/amd64', 'build windows/arm64']);
    expect(stopped).toEqual(['build windows/amd64']);
  });

  it('a dry run goes one job at a time in pipeline order', async () => {
    const order: string[] = [];
    const plan: Job[] = planJobs(pipeline, ['windows/amd64', 'windows/arm64']);
    await runJobs(plan, { signal: new AbortController().signal, sequential: true, run: async (j) => void order.push(jobLabel(j)) });
    expect(order).toEqual(plan.map(jobLabel));
    expect(order.slice(0, 3)).toEqual(['check', 'build windows/amd64', 'build windows/arm64']);
  });

  it('Ctrl-C stops everything with CancelledError', async () => {
    const controller = new AbortController();
    const plan = planJobs([stage('build')], ['windows/amd64']);
    const run = runJobs(plan, {
      signal: controller.signal,
      sequential: false,
      run: (_j, signal) => new Promise<void>((_, reject) => signal.addEventListener('abort', () => reject(new CancelledError()))),
    });
    await new Promise((r) => setImmediate(r));
    controller.abort();
    await expect(run).rejects.toBeInstanceOf(CancelledError);
  });
});
