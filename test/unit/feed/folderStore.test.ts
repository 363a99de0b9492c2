import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FolderStore } from '../../../src/feed/folderStore.js';
import { acquireLock, readFeedIndex, releaseLock } from '../../../src/feed/publish.js';

// The folder store and the lock, in process, with an injected clock.

const logger = () => {
  const warnings: string[] = [];
  return { warnings, info: () => undefined, warn: (m: string) => void warnings.push(m) };
};

describe('a feed in a folder', () => {
  it('writes through temp names it never leaves behind, and removes the folders a removed version empties', async () => {
    const root = await mkdtemp(join(tmpdir(), 'winship-feed-store-'));
    const store = new FolderStore(root);
    await store.put('1.0.0/app_windows_amd64/app.exe', { bytes: Buffer.from('exe') });
    await store.put('releases.json', { bytes: Buffer.from('{}') });
    expect([...(await store.list())].sort()).toEqual([
      ['1.0.0/app_windows_amd64/app.exe', 3],
      ['releases.json', 2],
    ]);
    expect((await store.read('1.0.0/app_windows_amd64/app.exe'))?.toString()).toBe('exe');
    expect(await store.read('missing')).toBeUndefined();
    await store.remove('1.0.0/app_windows_amd64/app.exe');
    expect(await readdir(root)).toEqual(['releases.json']);
  });

  it('gives the lock to one publisher; the next is told who holds it, since when, and how to break it', async () => {
    const root = await mkdtemp(join(tmpdir(), 'winship-feed-lock-'));
    const store = new FolderStore(root, 'feed/');
    const now = () => new Date('2026-12-01T12:00:00Z');
    const first = await acquireLock(store, { what: 'release publish app 1.2.0', breakLock: false, now, logger: logger() });
    expect(first.brokeStale).toBe(false);
    // Two hours later, from another machine's point of view (another owner: not broken on its own).
    await writeFile(join(root, '.winship-feed.lock'), JSON.stringify({ ...first.record, owner: 'ci@build-7', pid: 4242 }));
    const later = () => new Date('2026-12-01T14:05:00Z');
    await expect(acquireLock(store, { what: 'release publish app 1.3.0', breakLock: false, now: later, logger: logger() })).rejects.toThrow(
      'feed/ is locked by ci@build-7 (pid 4242), release publish app 1.2.0 since 2026-12-01T12:00:00Z (2 h 5 min): another publish is writing the feed (.winship-feed.lock). Wait for it to finish; if that publisher is gone (killed, its machine lost), run this again with --break-lock',
    );
    const log = logger();
    const second = await acquireLock(store, { what: 'release publish app 1.3.0', breakLock: true, now: later, logger: log });
    expect(second.brokeStale).toBe(true);
    expect(log.warnings).toEqual(['breaking the lock of feed/: held by ci@build-7 (pid 4242), release publish app 1.2.0 since 2026-12-01T12:00:00Z (2 h 5 min) (--break-lock)']);
    // A publisher releases only its own lock.
    await releaseLock(store, first.record);
    expect((await store.readLock())?.token).toBe(second.record.token);
    await releaseLock(store, second.record);
    expect(await store.readLock()).toBeUndefined();
  });

  it('refuses a folder that holds other things and no releases.json, and takes one with only what a publish leaves', async () => {
    const root = await mkdtemp(join(tmpdir(), 'winship-feed-what-'));
    const store = new FolderStore(root, 'site/');
    await store.put('1.0.0/app.exe', { bytes: Buffer.from('x') });
    await store.put('.releases.json.tmp-123-0123abcd.json', { bytes: Buffer.from('x') });
    expect(await readFeedIndex(store, await store.list())).toBeUndefined(); // a first publish, interrupted
    await store.put('index.html', { bytes: Buffer.from('<h1>') });
    await store.put('css/site.css', { bytes: Buffer.from('') });
    await expect(readFeedIndex(store, await store.list())).rejects.toThrow('site/ is not a feed: it holds css/site.css, index.html and no releases.json');
  });
});
