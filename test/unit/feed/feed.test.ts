import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { feedBaseUrl, feedUrl, rewriteAppInstaller } from '../../../src/feed/appinstaller.js';
import { generateFeedKey, parsePrivateKey, parsePublicKey, publicKeyBase64, signIndex, verifyIndex } from '../../../src/feed/key.js';
import { parseReleases, releasesDocument, releasesJsonSchema, serializeReleases, type FeedPatch, type FeedRelease } from '../../../src/feed/model.js';
import { planPublish, planRetention, type PlanInput } from '../../../src/feed/plan.js';
import { heldFor, parseS3Url } from '../../../src/feed/store.js';
import { repoRoot } from '../../support/paths.js';

// The pure core of the update feed (docs/feed-format.md): the index and its bytes, the key and the
// signature, retention, and the plan of a publish, without a store or a process.

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const file = (version: string, name: string, kind: FeedRelease['files'][number]['kind'] = 'binary'): FeedRelease['files'][number] => ({
  path: `${version}/${name}`,
  kind,
  ...(kind === 'checksums' || kind === 'artifacts' ? {} : { target: 'windows/amd64' as const }),
  size: name.length,
  sha256: sha(`${version}/${name}`),
});
const patch = (from: string, to: string): FeedPatch => ({
  path: `patches/app_${from}_to_${to}_amd64.exe.patch`,
  from,
  to,
  kind: 'binary',
  target: 'windows/amd64',
  size: 10,
  sha256: sha(`patch ${from} ${to}`),
  oldPath: `${from}/app_windows_amd64/app.exe`,
  oldSize: 'app_windows_amd64/app.exe'.length,
  oldSha256: sha(`${from}/app_windows_amd64/app.exe`),
  newPath: `${to}/app_windows_amd64/app.exe`,
  newSize: 'app_windows_amd64/app.exe'.length,
  newSha256: sha(`${to}/app_windows_amd64/app.exe`),
});
const release = (version: string, patches: FeedPatch[] = []): FeedRelease => ({
  version,
  date: '2026-11-30T12:00:00Z',
  files: [file(version, 'app_windows_amd64/app.exe'), file(version, `app_${version}_checksums.txt`, 'checksums'), file(version, 'artifacts.json', 'artifacts')],
  patches,
});

describe('releases.json', () => {
  it('is the same bytes for the same content, whatever the order it was given in', () => {
    const a = releasesDocument('app', [release('1.0.0'), release('1.10.0', [patch('1.2.0', '1.10.0'), patch('1.0.0', '1.10.0')]), release('1.2.0')]);
    const shuffled = releasesDocument('app', [release('1.2.0'), { ...release('1.10.0', [patch('1.0.0', '1.10.0'), patch('1.2.0', '1.10.0')]), files: [...release('1.10.0').files].reverse() }, release('1.0.0')]);
    const text = serializeReleases(a);
    expect(serializeReleases(shuffled)).toBe(text);
    expect(text.endsWith('}\n')).toBe(true);
    const doc = parseReleases(text, 'releases.json');
    expect(doc.latest).toBe('1.10.0'); // semantic-version order, not string order
    expect(doc.releases.map((r) => r.version)).toEqual(['1.10.0', '1.2.0', '1.0.0']);
    expect(doc.releases[0]!.patches.map((p) => p.from)).toEqual(['1.2.0', '1.0.0']);
    expect(doc.releases[0]!.files.map((f) => f.path)).toEqual(['1.10.0/app_1.10.0_checksums.txt', '1.10.0/app_windows_amd64/app.exe', '1.10.0/artifacts.json']);
    expect(Object.keys(JSON.parse(text))).toEqual(['$schema', 'schemaVersion', 'project', 'latest', 'releases']);
    expect(Object.keys(doc.releases[0]!.patches[0]!)).toEqual(['path', 'from', 'to', 'kind', 'target', 'size', 'sha256', 'oldPath', 'oldSize', 'oldSha256', 'newPath', 'newSize', 'newSha256']);
  });

  it('validates against schema/releases.schema.json, which is up to date', () => {
    const committed = JSON.parse(readFileSync(join(repoRoot, 'schema', 'releases.schema.json'), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(releasesJsonSchema())));
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    (addFormats as unknown as (a: Ajv2020) => void)(ajv);
    const validate = ajv.compile(committed);
    const doc = JSON.parse(serializeReleases(releasesDocument('app', [release('1.0.0'), release('1.1.0', [patch('1.0.0', '1.1.0')])])));
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...doc, releases: [{ ...doc.releases[0], files: [{ ...doc.releases[0].files[0], sha256: 'ABC' }] }] })).toBe(false);
  });

  it('refuses damaged or foreign indexes, saying what is wrong', () => {
    expect(() => parseReleases('{"releases": [', 'feed/releases.json')).toThrow(/feed\/releases.json is not valid JSON .*restore it/);
    expect(() => parseReleases('{"schemaVersion": 9}', 'r.json')).toThrow(/schemaVersion 9; this winship writes 1: publish with a newer winship/);
    const doc = JSON.parse(serializeReleases(releasesDocument('app', [release('1.0.0')])));
    expect(() => parseReleases(JSON.stringify({ ...doc, latest: '0.9.0' }), 'r.json')).toThrow(/"latest" is 0.9.0 but the first release is 1.0.0/);
    expect(() => parseReleases(JSON.stringify({ ...doc, releases: [{ ...doc.releases[0], files: [{ ...doc.releases[0].files[0], path: '../etc/passwd' }] }] }), 'r.json')).toThrow(/releases.0.files.0.path: must be a path inside the feed/);
  });
});

describe('the feed key and the signature', () => {
  it('signs releases.json so that Node verifies it with the 32-byte public key, and refuses other bytes', () => {
    const pair = generateFeedKey();
    const key = parsePrivateKey(pair.privatePem, 'feed-key.pem');
    expect(Buffer.from(pair.publicBase64, 'base64')).toHaveLength(32);
    expect(publicKeyBase64(key)).toBe(pair.publicBase64);
    const bytes = Buffer.from(serializeReleases(releasesDocument('app', [release('1.0.0')])));
    const sig = signIndex(bytes, key);
    expect(sig).toMatch(/^[A-Za-z0-9+/]{86}==\n$/);
    expect(signIndex(bytes, key)).toBe(sig); // Ed25519 is deterministic: a re-run writes the same .sig
    const pub = parsePublicKey(pair.publicBase64, 'publicKey');
    expect(verifyIndex(bytes, sig, pub)).toBe(true);
    expect(verifyIndex(Buffer.concat([bytes, Buffer.from(' ')]), sig, pub)).toBe(false);
    expect(verifyIndex(bytes, sig, parsePublicKey(generateFeedKey().publicBase64, 'other'))).toBe(false);
  });

  it('takes the key as the base64 of its seed too, and refuses other keys without showing them', () => {
    const pem = generateFeedKey().privatePem;
    const der = parsePrivateKey(pem, 'x').export({ type: 'pkcs8', format: 'der' });
    const seed = der.subarray(der.length - 32).toString('base64');
    expect(publicKeyBase64(parsePrivateKey(seed, 'WINSHIP_FEED_KEY'))).toBe(publicKeyBase64(parsePrivateKey(pem, 'x')));
    expect(() => parsePrivateKey('c2VjcmV0LWJ1dC1zaG9ydA==', 'WINSHIP_FEED_KEY')).toThrow(/^WINSHIP_FEED_KEY holds no feed key: it must be a PKCS#8 PEM/);
    try {
      parsePrivateKey('c2VjcmV0LWJ1dC1zaG9ydA==', 'WINSHIP_FEED_KEY');
    } catch (err) {
      expect((err as Error).message).not.toContain('c2VjcmV0');
    }
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => parsePrivateKey(rsa, 'k.pem')).toThrow(/k.pem holds a rsa key; a feed key is Ed25519/);
  });
});

describe('retention', () => {
  const feed = [release('1.0.0'), release('1.1.0', [patch('1.0.0', '1.1.0')]), release('1.2.0', [patch('1.1.0', '1.2.0'), patch('1.0.0', '1.2.0')])];

  it('keeps the newest K versions and removes the patches whose old file leaves with them', () => {
    const r = planRetention(feed, 2, []);
    expect(r.kept.map((x) => x.version)).toEqual(['1.2.0', '1.1.0']);
    expect(r.removed).toEqual(['1.0.0']);
    expect(r.kept[0]!.patches.map((p) => p.from)).toEqual(['1.1.0']);
    expect(r.kept[1]!.patches).toEqual([]);
    expect(r.droppedPatches.map((d) => d.path).sort()).toEqual([patch('1.0.0', '1.1.0').path, patch('1.0.0', '1.2.0').path].sort());
  });

  it('never removes the newest (the .appinstaller files name it) nor a protected version', () => {
    expect(planRetention(feed, 1, []).kept.map((x) => x.version)).toEqual(['1.2.0']);
    expect(planRetention(feed, 1, ['1.0.0']).kept.map((x) => x.version)).toEqual(['1.2.0', '1.0.0']);
    expect(planRetention(feed, undefined, []).removed).toEqual([]);
  });
});

describe('the plan of a publish', () => {
  const key = parsePrivateKey(generateFeedKey().privatePem, 'k');
  const enc = new TextEncoder();
  const uploads = (r: FeedRelease) => r.files.map((f) => ({ path: f.path, source: `/dist/${f.path}`, size: f.size, sha256: f.sha256 })).sort((a, b) => (a.path < b.path ? -1 : 1));
  const base = (over: Partial<PlanInput>): PlanInput => ({
    project: 'app',
    current: undefined,
    currentAppinstallers: new Map(),
    objects: new Map(),
    release: release('1.0.0'),
    files: uploads(release('1.0.0')),
    patchFiles: [],
    appinstallers: new Map([['App_x64.appinstaller', enc.encode('<AppInstaller/>')]]),
    sign: (b) => signIndex(b, key),
    force: false,
    allowOlder: false,
    ...over,
  });
  /** The feed after `plan` ran to the end. */
  const feedAfter = (plan: ReturnType<typeof planPublish>, before: Map<string, { size: number; sha256?: string }> = new Map()) => {
    const objects = new Map(before);
    for (const s of plan.steps) {
      if (s.action === 'delete') objects.delete(s.path);
      else if (s.action === 'put') objects.set(s.path, { size: s.upload?.size ?? s.bytes!.length, sha256: s.upload?.sha256 });
    }
    return objects;
  };

  it('writes the version files, then the patches, releases.json, its signature and the .appinstaller files', () => {
    const first = planPublish(base({}));
    expect(first.steps.map((s) => `${s.kind} ${s.action}`)).toEqual(['file put', 'file put', 'file put', 'index put', 'signature put', 'appinstaller put']);
    const objects = feedAfter(first);
    const second = planPublish(
      base({
        current: first.index,
        currentIndexText: first.indexText,
        currentSignature: signIndex(enc.encode(first.indexText), key),
        currentAppinstallers: new Map([['App_x64.appinstaller', enc.encode('<AppInstaller/>')]]),
        objects,
        release: release('1.1.0', [patch('1.0.0', '1.1.0')]),
        files: uploads(release('1.1.0')),
        patchFiles: [{ path: patch('1.0.0', '1.1.0').path, source: '/dist/p', size: 10, sha256: patch('1.0.0', '1.1.0').sha256 }],
        appinstallers: new Map([['App_x64.appinstaller', enc.encode('<AppInstaller v="1.1"/>')]]),
        keep: 1,
      }),
    );
    expect(second.steps.map((s) => `${s.kind} ${s.action} ${s.path}`)).toEqual([
      'file put 1.1.0/app_1.1.0_checksums.txt',
      'file put 1.1.0/app_windows_amd64/app.exe',
      'file put 1.1.0/artifacts.json',
      // keep 1: the patch from 1.0.0 goes with 1.0.0, so it is not even written
      'index put releases.json',
      'signature put releases.json.sig',
      'appinstaller put App_x64.appinstaller',
      'remove delete 1.0.0/app_1.0.0_checksums.txt',
      'remove delete 1.0.0/app_windows_amd64/app.exe',
      'remove delete 1.0.0/artifacts.json',
    ]);
    expect(second.removed).toEqual(['1.0.0']);
    expect(second.dropped.map((d) => d.path)).toEqual([patch('1.0.0', '1.1.0').path]);
  });

  it('keeps a version that a root .appinstaller the publish leaves alone still names (an architecture the new release dropped)', () => {
    const first = planPublish(base({ appinstallers: new Map([['App_x86.appinstaller', enc.encode('<AppInstaller><MainPackage Uri="https://dl/1.0.0/App_1.0.0.0_x86.msix"/></AppInstaller>')]]) }));
    const second = planPublish(
      base({
        current: first.index,
        currentIndexText: first.indexText,
        currentSignature: signIndex(enc.encode(first.indexText), key),
        currentAppinstallers: new Map([['App_x86.appinstaller', enc.encode('<AppInstaller><MainPackage Uri="https://dl/1.0.0/App_1.0.0.0_x86.msix"/></AppInstaller>')]]),
        objects: feedAfter(first),
        release: release('1.1.0'),
        files: uploads(release('1.1.0')),
        appinstallers: new Map([['App_x64.appinstaller', enc.encode('<AppInstaller/>')]]),
        keep: 1,
      }),
    );
    expect(second.removed).toEqual([]);
    expect(second.index.releases.map((r) => r.version)).toEqual(['1.1.0', '1.0.0']);
    expect(second.steps.filter((s) => s.action === 'delete')).toEqual([]);
  });

  it('is a no-op when the same release is published again', () => {
    const first = planPublish(base({}));
    const again = planPublish(
      base({ current: first.index, currentIndexText: first.indexText, currentSignature: signIndex(enc.encode(first.indexText), key), currentAppinstallers: new Map([['App_x64.appinstaller', enc.encode('<AppInstaller/>')]]), objects: feedAfter(first) }),
    );
    expect(again.noop).toBe(true);
    expect(again.republished).toBe(true);
    expect(again.indexText).toBe(first.indexText);
  });

  it('completes a publish that was interrupted: files already there with the right bytes are kept, partial ones written again', () => {
    const r = release('1.0.0');
    const objects = new Map([
      [r.files[0]!.path, { size: r.files[0]!.size, sha256: r.files[0]!.sha256 }],
      [r.files[1]!.path, { size: 1, sha256: sha('half') }],
      ['1.0.0/.app.exe.tmp-123-0123abcd.exe', { size: 5 }],
    ]);
    const plan = planPublish(base({ objects }));
    expect(plan.steps.map((s) => `${s.action} ${s.path}${s.action === 'put' ? ` (${s.reason})` : ''}`)).toEqual([
      `put ${r.files[1]!.path} (left incomplete by an interrupted publish)`,
      `same ${r.files[0]!.path}`,
      `put ${r.files[2]!.path} (new)`,
      'put releases.json (new)',
      'put releases.json.sig (new)',
      'put App_x64.appinstaller (new)',
      'delete 1.0.0/.app.exe.tmp-123-0123abcd.exe',
    ]);
  });

  it('refuses other bytes for a published version unless --force, an older version unless --allow-older, another project', () => {
    const first = planPublish(base({ release: release('1.1.0'), files: uploads(release('1.1.0')) }));
    const objects = feedAfter(first);
    const changed = uploads(release('1.1.0')).map((u) => (u.path.endsWith('app.exe') ? { ...u, sha256: sha('rebuilt') } : u));
    const again = { current: first.index, currentIndexText: first.indexText, objects, release: release('1.1.0'), files: changed };
    expect(() => planPublish(base(again))).toThrow(/version 1.1.0 is already in the feed with other files, and a published version never changes.*\n  - 1.1.0\/app_windows_amd64\/app.exe: other bytes.*\n.*--force/s);
    const forced = planPublish(base({ ...again, force: true }));
    expect(forced.steps.filter((s) => s.action === 'put' && s.kind === 'file').map((s) => `${s.path} ${s.reason}`)).toEqual(['1.1.0/app_windows_amd64/app.exe replaced (--force)']);

    const older = { current: first.index, currentIndexText: first.indexText, objects, release: release('1.0.0'), files: uploads(release('1.0.0')) };
    expect(() => planPublish(base(older))).toThrow("version 1.0.0 is older than the feed's newest, 1.1.0: installed programs would never move to it. To add it anyway (the App Installer files keep naming 1.1.0), publish with --allow-older");
    const allowed = planPublish(base({ ...older, allowOlder: true }));
    expect(allowed.index.latest).toBe('1.1.0');
    expect(allowed.steps.some((s) => s.kind === 'appinstaller')).toBe(false);

    expect(() => planPublish(base({ ...again, project: 'other' }))).toThrow(/the feed holds releases of "app", not of "other"/);
  });

  it('leaves out a patch made from a file the feed does not have', () => {
    const first = planPublish(base({}));
    const stranger = { ...patch('1.0.0', '1.1.0'), oldSha256: sha('another build of 1.0.0') };
    const plan = planPublish(base({ current: first.index, objects: feedAfter(first), release: release('1.1.0', [stranger, patch('0.9.0', '1.1.0')]), files: uploads(release('1.1.0')) }));
    expect(plan.index.releases[0]!.patches).toEqual([]);
    expect(plan.dropped.map((d) => d.reason)).toEqual([expect.stringMatching(/made from other bytes than the feed's 1.0.0\/app_windows_amd64\/app.exe/), 'the feed has no 0.9.0/app_windows_amd64/app.exe (version 0.9.0 is not in it)']);
  });
});

describe('inputs', () => {
  it('takes only http(s) base URLs, and makes file URLs under them', () => {
    expect(feedBaseUrl('https://dl.example.com/hello')).toBe('https://dl.example.com/hello/');
    expect(feedUrl('https://dl.example.com/hello/', '1.2.0/Hello App_x64.msix')).toBe('https://dl.example.com/hello/1.2.0/Hello%20App_x64.msix');
    expect(() => feedBaseUrl('ftp://dl.example.com/')).toThrow(/a feed is served over http\(s\).*not ftp:; give an https:\/\/ URL/);
    expect(() => feedBaseUrl('dl.example.com/hello')).toThrow(/not a URL/);
    expect(() => feedBaseUrl('https://user:pw@dl.example.com/')).toThrow(/no credentials in the URL/);
  });

  it('reads s3://bucket/prefix', () => {
    expect(parseS3Url('s3://my-feed/apps/hello/')).toEqual({ bucket: 'my-feed', prefix: 'apps/hello/' });
    expect(parseS3Url('s3://my-feed')).toEqual({ bucket: 'my-feed', prefix: '' });
    expect(() => parseS3Url('s3://My_Bucket/x')).toThrow(/is not an S3 bucket name/);
    expect(parseS3Url('/srv/feed')).toBeUndefined();
  });

  it('rewrites an App Installer file for the feed root, escaping the URLs', () => {
    const xml = readFileSync(join(repoRoot, 'test', 'fixtures', 'appinstaller', '2018.appinstaller'), 'utf8');
    const out = rewriteAppInstaller(xml, 'https://dl.example.com/a&b/App_x64.appinstaller', 'https://dl.example.com/a&b/1.2.0/App_1.2.0.0_x64.msix', 'App_x64.appinstaller');
    expect(out).toMatch(/<AppInstaller [^>]*Uri="https:\/\/dl.example.com\/a&amp;b\/App_x64.appinstaller"/);
    expect(out).toMatch(/<Main(Package|Bundle) [^>]*Uri="https:\/\/dl.example.com\/a&amp;b\/1.2.0\/App_1.2.0.0_x64.msix"/);
    expect(() => rewriteAppInstaller('<x/>', 'a', 'b', 'f.appinstaller')).toThrow(/f.appinstaller: expected one <AppInstaller> with a Uri, found 0/);
  });

  it('says how long a lock has been held', () => {
    const now = new Date('2026-12-01T12:00:00Z');
    expect(heldFor('2026-12-01T11:59:30Z', now)).toBe('30 s');
    expect(heldFor('2026-12-01T09:55:00Z', now)).toBe('2 h 5 min');
    expect(heldFor('2026-11-20T12:00:00Z', now)).toBe('11 days');
  });
});
