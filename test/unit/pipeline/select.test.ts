import { describe, expect, it } from 'vitest';
import type { ArtifactKind } from '../../../src/artifacts/kinds.js';
import type { Stage } from '../../../src/context/stage.js';
import { pipeline } from '../../../src/pipeline/pipeline.js';
import { selectStages, startsNewRelease, type PriorRelease, type SelectionInput } from '../../../src/pipeline/select.js';

const FULL: PriorRelease = {
  where: 'dist/.winship/state.json',
  completed: ['build', 'resources', 'msi', 'archive', 'checksum', 'manifest'],
  kinds: new Set<ArtifactKind>(['binary', 'msi', 'archive', 'checksums']),
  stale: new Set<ArtifactKind>(),
  partial: false,
};

const select = (o: Partial<SelectionInput>) => {
  const sel = selectStages({ stages: pipeline, only: [], skip: [], split: false, distDir: '/p/dist', skipRule: () => false, ...o });
  return {
    ...sel,
    ids: sel.run.map((s) => s.id),
    refreshed: [...sel.refresh].map((s) => s.id),
    reason: (id: string) => [...sel.leftOut].find(([s]) => s.id === id)?.[1],
  };
};

describe('which stages a run runs', () => {
  it('a plain build runs every stage and starts a new release', () => {
    const sel = select({});
    expect(sel.fresh).toBe(true);
    expect(sel.ids).toEqual(pipeline.map((s) => s.id));
    expect(sel.refreshed).toEqual([]);
    expect(startsNewRelease(pipeline, [], [])).toBe(true);
    expect(startsNewRelease(pipeline, ['sign'], [])).toBe(false);
    expect(startsNewRelease(pipeline, [], ['build'])).toBe(false);
  });

  it('a stage whose own rule skips it is left out with its reason, and changes nothing', () => {
    const rule = (s: Stage) => (s.id === 'sign' ? 'no sign: section' : false);
    const sel = select({ only: ['sign', 'checksum'], prior: FULL, skipRule: rule });
    expect(sel.reason('sign')).toBe('no sign: section');
    expect(sel.ids).toEqual(['checksum', 'manifest']); // the manifests list the new checksums file
    expect(sel.refreshed).toEqual(['manifest']);
  });

  it('--only without build continues the recorded release: --only checksum,manifest recomputes those', () => {
    const sel = select({ only: ['checksum', 'manifest'], prior: FULL });
    expect(sel.fresh).toBe(false);
    expect(sel.ids).toEqual(['checksum', 'manifest']);
  });

  it('--only msi packages recorded binaries, and the checksums and manifests follow', () => {
    const sel = select({ only: ['msi'], prior: FULL });
    expect(sel.ids).toEqual(['msi', 'checksum', 'manifest']);
    expect(sel.refreshed).toEqual(['checksum', 'manifest']);
    // sign-packages never ran on this release: nothing of it to bring up to date.
    expect(sel.reason('sign-packages')).toBe('not in --only');
  });

  it('signing elsewhere remakes what packed the unsigned exes, after them, never before', () => {
    const sel = select({ only: ['sign', 'sign-packages', 'checksum', 'manifest'], prior: FULL });
    expect(sel.ids).toEqual(['sign', 'msi', 'sign-packages', 'archive', 'checksum', 'manifest']);
    expect(sel.refreshed).toEqual(['msi', 'archive']);
    expect(sel.reason('resources')).toBe('not in --only'); // before sign: untouched
  });

  it('signing elsewhere remakes the MSIX packages too, then signs them and rewrites their App Installer files', () => {
    const withMsix: PriorRelease = {
      ...FULL,
      completed: [...FULL.completed, 'msix', 'appinstaller'],
      kinds: new Set<ArtifactKind>([...FULL.kinds, 'msix', 'appinstaller']),
    };
    const sel = select({ only: ['sign', 'sign-packages', 'checksum', 'manifest'], prior: withMsix });
    expect(sel.ids).toEqual(['sign', 'msi', 'msix', 'sign-packages', 'appinstaller', 'archive', 'checksum', 'manifest']);
    expect(sel.refreshed).toEqual(['msi', 'msix', 'appinstaller', 'archive']);
    // release appinstaller: the files, then what lists them.
    const feed = select({ only: ['appinstaller'], prior: withMsix });
    expect(feed.ids).toEqual(['appinstaller', 'checksum', 'manifest']);
  });

  it('never publishes again on its own: a published version does not change (only a run that asks for it publishes)', () => {
    const published: PriorRelease = { ...FULL, completed: [...FULL.completed, 'publish'] };
    expect(select({ only: ['sign', 'checksum', 'manifest'], prior: published }).ids).not.toContain('publish');
    expect(select({ only: ['publish'], prior: published }).ids).toEqual(['publish']);
  });

  it('refuses to --skip a stage whose files the run would make stale, naming the command to run', () => {
    expect(() => select({ skip: ['build', 'msi'], prior: FULL })).toThrow(
      /--skip msi: this run changes binary files that the msi files in dist\/ were made from, so they would ship the old bytes\. Run without --skip msi: release build --only check,resources,sign,msi/,
    );
  });

  it('--only a stage whose inputs are neither in this run nor in the state is an error naming both', () => {
    expect(() => select({ only: ['archive'] })).toThrow(
      '--only archive: archive works on binary files: no stage of this run makes them, and /p/dist has no release state to continue from',
    );
    expect(() => select({ only: ['sign-packages'], prior: { ...FULL, kinds: new Set<ArtifactKind>(['binary']) } })).toThrow(
      '--only sign-packages: sign-packages works on msi or msix files: no stage of this run makes them, and dist/.winship/state.json lists none',
    );
    // A command asking for stages (release sign) leaves one out instead.
    const binariesOnly: PriorRelease = { ...FULL, completed: ['build', 'resources', 'archive'], kinds: new Set<ArtifactKind>(['binary', 'archive']) };
    const lenient = select({ only: ['sign', 'sign-packages'], leaveOutMissingInputs: true, prior: binariesOnly });
    expect(lenient.ids).toContain('sign');
    expect(lenient.reason('sign-packages')).toMatch(/works on msi or msix files/);
  });

  it('a run that builds starts over: the state does not feed it, and nothing is refreshed', () => {
    const sel = select({ only: ['build', 'archive'], prior: FULL });
    expect(sel.fresh).toBe(true);
    expect(sel.ids).toEqual(['build', 'archive']);
    expect(sel.refreshed).toEqual([]);
  });

  it('--split runs the per-target stages and the checks, and leaves the whole-release ones to the merge', () => {
    const sel = select({ split: true });
    expect(sel.ids).toEqual(['check', 'build', 'resources', 'sign', 'msi', 'msix', 'sign-packages', 'appinstaller', 'archive']);
    expect(sel.reason('checksum')).toBe('runs after release merge');
    expect(() => select({ split: true, only: ['build', 'checksum'] })).toThrow('--split writes one part of a release: checksum runs over the whole release');
    // Continuing a part: checksums still wait for the merge.
    const part = select({ only: ['sign'], prior: { ...FULL, partial: true, completed: ['build', 'resources', 'msi', 'archive'] } });
    expect(part.ids).toEqual(['sign', 'msi', 'archive']);
    expect(() => select({ only: ['checksum'], prior: { ...FULL, partial: true } })).toThrow('holds one part of a split release: join the parts with "release merge" first');
  });

  it('remakes packages already stale in dist/, whatever the run asks for', () => {
    const interrupted: PriorRelease = { ...FULL, stale: new Set<ArtifactKind>(['archive', 'msi']) };
    const sel = select({ only: ['checksum', 'manifest'], prior: interrupted });
    expect(sel.ids).toEqual(['msi', 'archive', 'checksum', 'manifest']);
    expect(sel.refreshed).toEqual(['msi', 'archive']);
    expect(() => select({ only: ['checksum', 'manifest'], skip: ['archive'], prior: interrupted })).toThrow(
      '--skip archive: the recorded archive files packed files that changed since, so they hold old bytes. Run without --skip archive',
    );
  });

  it('says which kinds a run changes, so a continued run knows what to retire first', () => {
    expect([...select({ only: ['manifest'], prior: FULL }).changes]).toEqual([]);
    expect([...select({ only: ['checksum'], prior: FULL }).changes]).toEqual(['checksums']);
    expect([...select({ only: ['archive'], prior: FULL }).changes].sort()).toEqual(['archive', 'checksums']);
  });

  it('names unknown stages', () => {
    expect(() => select({ only: ['zip'] })).toThrow('unknown stage "zip" (stages: check, build, resources, sign, msi, msix, sign-packages, appinstaller, archive, patch, winget, scoop, checksum, manifest, publish)');
  });
});
