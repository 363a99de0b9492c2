import { resolve } from 'node:path';
import { loadConfig, locateConfig } from '../../config/load.js';
import { UsageError } from '../../util/errors.js';
import { TOOL_VERSION } from '../../util/toolVersion.js';
import type { CliIo } from '../io.js';

export const publishHelp = `Usage: release publish --feed DIR|s3://bucket/prefix --base-url URL [DIST]
                       [--keep K] [--force] [--allow-older] [--feed-key FILE] [--break-lock]
                       [--s3-endpoint URL] [--s3-path-style] [--dry-run] [--json]

Puts the release in DIST (default: dist: of ./release.yaml, else ./dist) into an update feed
(docs/feed-format.md): its files under <version>/, its patches under patches/, then
releases.json, its Ed25519 signature releases.json.sig, and the .appinstaller files at the feed
root, pointing at this version; then retention removes what --keep leaves out. A client never
sees an index naming a missing file, and an interrupted publish is completed by running it again.

Options (defaults from publish: in release.yaml):
  --feed DIR|s3://B/P  the feed: a folder (empty for a new feed) or an S3 bucket and prefix
  --base-url URL       the http(s) URL the feed is served from
  --keep K             keep the newest K versions (and what they still need); default all
  --feed-key FILE      the feed private key (PEM, from release feed keygen); default the
                       WINSHIP_FEED_KEY environment variable (the PEM, or the base64 seed)
  --force              replace a version already in the feed with other bytes (versions are
                       immutable: only for one nobody downloaded yet)
  --allow-older        add a version older than the feed's newest (the .appinstaller files
                       keep naming the newest)
  --break-lock         take the feed's lock from a publisher that is gone
  --s3-endpoint URL    an S3-compatible server (default AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else AWS);
                       region and credentials come from AWS_REGION, AWS_ACCESS_KEY_ID,
                       AWS_SECRET_ACCESS_KEY, AWS_PROFILE and ~/.aws as for the AWS CLI
  --s3-path-style      path-style addressing (http://host/bucket/key); default for an endpoint
                       on an IP address or localhost
  --dry-run            print what would be written and removed, write nothing
  --json               print a JSON summary on stdout; logs go to stderr

Refused: a release signed with --dev-cert, a folder that is not a feed, a base URL that is not
http(s), a version older than the feed's newest (without --allow-older), a version already in
the feed with other bytes (without --force), a feed another publisher holds (its lock names
who and since when). Exit 0 published (or nothing to do), 2 refused.`;

export const feedHelp = `Usage: release feed keygen [-o FILE]

Makes an Ed25519 feed key: writes the private key as PKCS#8 PEM to FILE (default feed-key.pem;
mode 0600, never overwritten) and prints the public key, the base64 of its 32 bytes, which a Go
program compiles in to check releases.json.sig. Keep the private key secret: give it to
release publish with --feed-key FILE or in the WINSHIP_FEED_KEY environment variable.`;

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

export async function publishCommand(values: Record<string, unknown>, positionals: string[], io: CliIo): Promise<number> {
  if (positionals.length > 1) throw new UsageError(`release publish takes one release folder, got ${positionals.length}: ${positionals.join(' ')}`);
  const json = values.json === true;
  const configPath = locateConfig(str(values.config), io.cwd);
  const loaded = configPath ? await loadConfig(configPath) : undefined;
  const cfg = loaded?.config.publish;
  const fromConfig = (p: string) => (loaded ? resolve(loaded.projectDir, p) : p);
  const distDir = positionals[0] !== undefined ? resolve(io.cwd, positionals[0]) : (loaded?.distDir ?? resolve(io.cwd, 'dist'));
  const feed = str(values.feed) ?? (cfg ? (cfg.feed.startsWith('s3://') ? cfg.feed : fromConfig(cfg.feed)) : undefined);
  if (!feed) throw new UsageError('release publish: give the feed, --feed DIR or --feed s3://bucket/prefix (or publish.feed in release.yaml)');
  const baseUrl = str(values['base-url']) ?? cfg?.baseUrl;
  if (!baseUrl) throw new UsageError('release publish: give the URL the feed is served from, --base-url https://… (or publish.baseUrl in release.yaml)');
  let keep = cfg?.keep;
  if (values.keep !== undefined) {
    keep = Number(values.keep);
    if (!Number.isInteger(keep) || keep < 1) throw new UsageError(`--keep ${String(values.keep)}: give a whole number of versions, at least 1`);
  }
  const keyFile = str(values['feed-key']) !== undefined ? resolve(io.cwd, str(values['feed-key'])!) : cfg?.feedKey !== undefined ? fromConfig(cfg.feedKey) : undefined;
  const [{ loadFeedKey }, { readPublishableRelease }, { publishRelease }, { feedBaseUrl }] = await Promise.all([
    import('../../feed/key.js'),
    import('../../feed/release.js'),
    import('../../feed/publish.js'),
    import('../../feed/appinstaller.js'),
  ]);
  feedBaseUrl(baseUrl); // before anything is read: a bad URL is the cheapest refusal
  const key = await loadFeedKey(keyFile, io.env);
  const release = await readPublishableRelease(distDir, TOOL_VERSION);
  const log = json ? io.stderr : io.stdout;
  const summary = await publishRelease(release, {
    feed,
    baseUrl,
    ...(keep !== undefined ? { keep } : {}),
    force: values.force === true,
    allowOlder: values['allow-older'] === true,
    breakLock: values['break-lock'] === true,
    dryRun: values['dry-run'] === true,
    key,
    cwd: io.cwd,
    s3: {
      env: io.env,
      ...((str(values['s3-endpoint']) ?? cfg?.s3Endpoint) ? { endpoint: str(values['s3-endpoint']) ?? cfg!.s3Endpoint! } : {}),
      ...(values['s3-path-style'] === true ? { pathStyle: true } : cfg?.s3PathStyle !== undefined ? { pathStyle: cfg.s3PathStyle } : {}),
    },
    logger: { info: (m) => log.write(`${m}\n`), warn: (m) => io.stderr.write(`warning: ${m}\n`) },
  });
  if (json) io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  return 0;
}

export async function feedCommand(values: Record<string, unknown>, positionals: string[], io: CliIo): Promise<number> {
  if (positionals[0] !== 'keygen' || positionals.length !== 1) throw new UsageError('usage: release feed keygen [-o FILE]');
  const { open } = await import('node:fs/promises');
  const { generateFeedKey } = await import('../../feed/key.js');
  const out = resolve(io.cwd, str(values.output) ?? 'feed-key.pem');
  const pair = generateFeedKey();
  let handle;
  try {
    handle = await open(out, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`${out} already exists; a feed key is never overwritten (programs in the field check with its public key). Give another -o FILE`);
    throw new UsageError(`cannot write ${out}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    await handle.writeFile(pair.privatePem);
    await handle.sync();
  } finally {
    await handle.close();
  }
  io.stderr.write(`wrote the feed private key to ${out} (mode 0600): keep it secret, give it to release publish with --feed-key or WINSHIP_FEED_KEY\npublic key (compile it into the update client):\n`);
  io.stdout.write(`${pair.publicBase64}\n`);
  return 0;
}
