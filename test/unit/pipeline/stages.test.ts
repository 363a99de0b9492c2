import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { artifactsDocumentSchema, metadataDocumentSchema } from '../../../src/artifacts/manifest.js';
import { ArtifactRegistry } from '../../../src/artifacts/registry.js';
import { archives } from '../../../src/stages/archives.js';
import { checksums } from '../../../src/stages/checksums.js';
import { manifests } from '../../../src/stages/manifests.js';
import { versionResources } from '../../../src/stages/versionResources.js';
import { testContext } from '../../support/context.js';

// Stages run in-process on a context made by test/support/context.ts: no CLI, no processes.

const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const signal = new AbortController().signal;

async function contextWithExe(arch: 'amd64' | 'arm64' = 'amd64', yaml?: string) {
  const made = testContext(yaml ? { yaml } : {});
  const path = `app_windows_${arch}/app.exe`;
  await mkdir(join(made.ctx.distDir, `app_windows_${arch}`), { recursive: true });
  await writeFile(made.ctx.fileOf({ path }), `MZ fake ${arch} exe`);
  const exe = await made.ctx.record({ kind: 'binary', name: 'app.exe', path, goos: 'windows', goarch: arch, build: 'app' });
  return { ...made, exe };
}

describe('stages, in process', () => {
  it('checksums lists every release file from the recorded digests, replacing an older checksums file', async () => {
    const { ctx, exe } = await contextWithExe();
    await writeFile(ctx.fileOf({ path: 'old_checksums.txt' }), 'old');
    await ctx.record({ kind: 'checksums', name: 'old_checksums.txt', path: 'old_checksums.txt', algorithm: 'sha256', files: 9 });
    await checksums.run(ctx, signal);
    const text = await readFile(ctx.fileOf({ path: 'app_1.2.3_checksums.txt' }), 'utf8');
    expect(text).toBe(`${sha('MZ fake amd64 exe')}  ${exe.path}\n`);
    const [recorded] = ctx.artifacts.ofKind('checksums');
    expect(recorded).toMatchObject({ path: 'app_1.2.3_checksums.txt', files: 1, sha256: sha(text), size: text.length });
    expect(ctx.artifacts.ofKind('checksums')).toHaveLength(1);
  });

  it('archives packs the exe and records what it packed; a later change to the exe makes the zip stale', async () => {
    const { ctx, exe } = await contextWithExe('arm64');
    await archives.prepare!(ctx);
    await archives.run(ctx, 'windows/arm64', signal);
    await archives.run(ctx, 'windows/amd64', signal); // no binaries for amd64: no zip
    const zips = ctx.artifacts.ofKind('archive');
    expect(zips.map((z) => z.path)).toEqual(['app_1.2.3_windows_arm64.zip']);
    expect(zips[0]).toMatchObject({ format: 'zip', entries: ['app.exe'], packs: [{ path: exe.path, sha256: exe.sha256 }] });
    expect(zips[0]!.sha256).toBe(sha(await readFile(ctx.fileOf(zips[0]!))));
    expect(ctx.artifacts.staleInputs(zips[0]!)).toEqual([]);
    await writeFile(ctx.fileOf(exe), 'MZ signed now');
    await ctx.record(exe);
    expect(ctx.artifacts.staleInputs(zips[0]!)).toEqual([{ path: exe.path, sha256: exe.sha256 }]);
  });

  it('manifests writes artifacts.json and metadata.json as their schemas describe them', async () => {
    const { ctx } = await contextWithExe();
    ctx.toolVersions.go = 'go1.26.8';
    await checksums.run(ctx, signal);
    await manifests.run(ctx, signal);
    const doc = artifactsDocumentSchema.parse(JSON.parse(await readFile(ctx.dist('artifacts.json'), 'utf8')));
    expect(doc).toMatchObject({ schemaVersion: 1, project: 'app', version: '1.2.3', commit: ctx.release.commit });
    expect(doc.artifacts.map((a) => a.kind)).toEqual(['binary', 'checksums']);
    const meta = metadataDocumentSchema.parse(JSON.parse(await readFile(ctx.dist('metadata.json'), 'utf8')));
    expect(meta).toMatchObject({ version: '1.2.3', tag: 'v1.2.3', date: '2026-03-14T15:09:26.000Z', dirty: false, tools: { go: 'go1.26.8' } });
    expect(Object.keys(meta.tools)[0]).toBe('winship');
  });

  it('version resources refuse to rewrite a signed exe (its signature would no longer match)', async () => {
    const { ctx, exe } = await contextWithExe();
    ctx.artifacts.put({ ...exe, signature: { signer: 'CN=x', digest: 'sha256', timestampServer: 'http://tsa', timestampTime: '2026-03-14T15:09:26.000Z', attempts: 1 } });
    await expect(versionResources.run(ctx, 'windows/amd64', signal)).rejects.toThrow(`${exe.path} is already signed: embedding resources now would break its signature`);
  });

  it('a registry announces every change and keeps a stable order', async () => {
    const registry = new ArtifactRegistry();
    let changes = 0;
    registry.onChange(() => changes++);
    const { ctx } = testContext({ artifacts: registry });
    for (const arch of ['arm64', 'amd64', '386'] as const) {
      await mkdir(ctx.dist(`app_windows_${arch}`), { recursive: true });
      await writeFile(ctx.dist(`app_windows_${arch}`, 'app.exe'), arch);
      await ctx.record({ kind: 'binary', name: 'app.exe', path: `app_windows_${arch}/app.exe`, goos: 'windows', goarch: arch, build: 'app' });
    }
    expect(changes).toBe(3);
    expect(registry.all().map((a) => 'goarch' in a && a.goarch)).toEqual(['386', 'amd64', 'arm64']);
    expect(() => registry.add(registry.all()[0]!)).toThrow('registered twice');
  });
});
