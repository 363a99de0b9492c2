import { parseArgs, type ParseArgsConfig } from 'node:util';
import { exitCodeOf, UsageError } from '../util/errors.js';
import type { CliIo } from './io.js';
import { TOOL_VERSION } from '../util/toolVersion.js';
import { reportError } from './report.js';

// Commands load their modules when they run: `release harvest` or `release --version` should
// not pay for listr2, zod, resedit and archiver.

interface Command {
  summary: string;
  usage: string | (() => Promise<string>);
  options: NonNullable<ParseArgsConfig['options']>;
  run(values: Record<string, unknown>, positionals: string[], io: CliIo): Promise<number>;
}

const commands: Record<string, Command> = {
  build: {
    summary: 'build the release (or continue the one in dist/): binaries, signatures, MSIs, zips, checksums',
    usage: async () => (await import('./commands/build.js')).buildHelp(),
    options: {
      config: { type: 'string' },
      version: { type: 'string' },
      targets: { type: 'string', multiple: true },
      skip: { type: 'string', multiple: true },
      only: { type: 'string', multiple: true },
      'dry-run': { type: 'boolean' },
      json: { type: 'boolean' },
      concurrency: { type: 'string' },
      clean: { type: 'boolean' },
      'dev-cert': { type: 'boolean' },
      split: { type: 'boolean' },
      'no-wait': { type: 'boolean' },
      previous: { type: 'string', multiple: true },
    },
    run: async (values, positionals, io) => (await import('./commands/build.js')).buildCommand(values, positionals, io),
  },
  check: {
    summary: 'check release.yaml and run every preflight check of a release, building nothing (for CI)',
    usage: async () => (await import('./commands/check.js')).checkHelp,
    options: { config: { type: 'string' }, version: { type: 'string' }, targets: { type: 'string', multiple: true }, 'dev-cert': { type: 'boolean' }, json: { type: 'boolean' } },
    run: async (values, positionals, io) => (await import('./commands/check.js')).checkCommand(values, positionals, io),
  },
  init: {
    summary: 'write release.yaml for this Go module from go.mod, the sources, LICENSE, README and git',
    usage: async () => (await import('./commands/init.js')).initHelp,
    options: { config: { type: 'string' }, json: { type: 'boolean' } },
    run: async (values, positionals, io) => (await import('./commands/init.js')).initCli(values, positionals, io),
  },
  sign: {
    summary: 'sign what dist/ has unsigned (or given files), verify, and bring the release up to date',
    usage: async () => (await import('./commands/sign.js')).signHelp,
    options: { config: { type: 'string' }, 'dev-cert': { type: 'boolean' }, concurrency: { type: 'string' }, json: { type: 'boolean' }, 'no-wait': { type: 'boolean' } },
    run: async (values, positionals, io) => (await import('./commands/sign.js')).signCommand(values, positionals, io),
  },
  appinstaller: {
    summary: 'write .appinstaller files for the MSIX packages in dist/ (--base-url where they are served)',
    usage: async () => (await import('./commands/appinstaller.js')).appinstallerHelp,
    options: { 'base-url': { type: 'string' }, config: { type: 'string' }, json: { type: 'boolean' }, 'no-wait': { type: 'boolean' } },
    run: async (values, positionals, io) => (await import('./commands/appinstaller.js')).appinstallerCommand(values, positionals, io),
  },
  channels: {
    summary: 'write the winget and Scoop manifests of the release in dist/ (--base-url where it is downloaded from)',
    usage: async () => (await import('./commands/channels.js')).channelsHelp,
    options: { 'base-url': { type: 'string' }, only: { type: 'string', multiple: true }, config: { type: 'string' }, json: { type: 'boolean' }, 'no-wait': { type: 'boolean' } },
    run: async (values, positionals, io) => (await import('./commands/channels.js')).channelsCommand(values, positionals, io),
  },
  doctor: {
    summary: 'check this machine has what the release needs (tools, versions, certificate, timestamp servers)',
    usage: async () => (await import('./commands/doctor.js')).doctorHelp,
    options: { config: { type: 'string' }, 'dev-cert': { type: 'boolean' }, 'no-probe': { type: 'boolean' }, json: { type: 'boolean' } },
    run: async (values, positionals, io) => (await import('./commands/doctor.js')).doctorCommand(values, positionals, io),
  },
  verify: {
    summary: 'check a built release with osslsigncode, msiinfo, xmllint and, with Wine, a real install',
    usage: async () => (await import('./commands/verify.js')).verifyHelp,
    options: {
      config: { type: 'string' },
      'ca-file': { type: 'string' },
      'tsa-ca-file': { type: 'string' },
      'no-wine': { type: 'boolean' },
      'exe-args': { type: 'string' },
      'allow-unsigned': { type: 'boolean' },
      json: { type: 'boolean' },
    },
    run: async (values, positionals, io) => (await import('./commands/verify.js')).verifyCommand(values, positionals, io),
  },
  merge: {
    summary: 'join the partial dists of a --split build into one release (checksums, manifests)',
    usage: async () => (await import('./commands/merge.js')).mergeHelp,
    options: { output: { type: 'string', short: 'o' }, targets: { type: 'string', multiple: true }, config: { type: 'string' }, json: { type: 'boolean' }, clean: { type: 'boolean' }, 'no-wait': { type: 'boolean' } },
    run: async (values, positionals, io) => (await import('./commands/merge.js')).mergeCommand(values, positionals, io),
  },
  publish: {
    summary: 'put the release into an update feed (a folder or S3): files, patches, signed releases.json, .appinstaller',
    usage: async () => (await import('./commands/publish.js')).publishHelp,
    options: {
      feed: { type: 'string' },
      'base-url': { type: 'string' },
      keep: { type: 'string' },
      force: { type: 'boolean' },
      'allow-older': { type: 'boolean' },
      'feed-key': { type: 'string' },
      'break-lock': { type: 'boolean' },
      's3-endpoint': { type: 'string' },
      's3-path-style': { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      config: { type: 'string' },
      json: { type: 'boolean' },
    },
    run: async (values, positionals, io) => (await import('./commands/publish.js')).publishCommand(values, positionals, io),
  },
  feed: {
    summary: 'keygen: make the Ed25519 key that signs an update feed',
    usage: async () => (await import('./commands/publish.js')).feedHelp,
    options: { output: { type: 'string', short: 'o' } },
    run: async (values, positionals, io) => (await import('./commands/publish.js')).feedCommand(values, positionals, io),
  },
  patch: {
    summary: 'create, apply or inspect a delta patch between two files (the format updates use)',
    usage: async () => (await import('./commands/patch.js')).patchHelp,
    options: { output: { type: 'string', short: 'o' }, json: { type: 'boolean' } },
    run: async (values, positionals, io) => (await import('./commands/patch.js')).patchCommand(values, positionals, io),
  },
  serve: {
    summary: 'serve an update feed folder over HTTP on this machine (ranges, ETags, App Installer types)',
    usage: async () => (await import('./commands/serve.js')).serveHelp,
    options: { feed: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' } },
    run: async (values, positionals, io) => (await import('./commands/serve.js')).serveCommand(values, positionals, io),
  },
  tsa: {
    summary: 'probe: check RFC 3161 timestamp servers and show the order signing would use',
    usage: `Usage: release tsa probe [--server URL]… [--timeout SECONDS] [--config release.yaml] [--json]

Sends each server a timestamp request (random SHA-256 imprint, nonce, certReq) and checks the
reply: HTTP 200, reply content type, status granted, nonce and imprint echoed, token signature
valid, signer certificate with the critical timeStamping EKU, time within 5 minutes of ours.
Healthy servers are ranked by latency. Servers: --server flags, else timestamp.servers from
release.yaml, else the built-in public list. Exit 0 if at least one server is healthy, else 1.`,
    options: { server: { type: 'string', multiple: true }, timeout: { type: 'string' }, config: { type: 'string' }, json: { type: 'boolean' } },
    async run(values, positionals, io) {
      if (positionals[0] !== 'probe' || positionals.length !== 1) throw new UsageError('usage: release tsa probe [--server URL]… [--json]');
      const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
      if (timeout !== undefined && !(timeout > 0)) throw new UsageError(`--timeout: "${String(values.timeout)}" is not a positive number of seconds`);
      const { formatProbeTable, tsaProbeCommand } = await import('./commands/tsaProbe.js');
      const { displayServer } = await import('../signing/failover.js');
      const sel = await tsaProbeCommand({ cwd: io.cwd, config: values.config as string | undefined, servers: (values.server as string[] | undefined) ?? [], timeoutSeconds: timeout, signal: io.signal });
      if (values.json) {
        io.stdout.write(`${JSON.stringify({ servers: sel.results.map((r) => ({ ...r, url: displayServer(r.url), latencyMs: Math.round(r.latencyMs), genTime: r.genTime?.toISOString() })), order: sel.ranked.map(displayServer) }, null, 2)}\n`);
      } else io.stdout.write(formatProbeTable(sel));
      return sel.ranked.length ? 0 : 1;
    },
  },
  harvest: {
    summary: 'print a WiX fragment for a folder (stable Ids and component GUIDs)',
    usage: `Usage: release harvest DIR [options]

Prints a WiX v3 fragment for DIR: a DirectoryRef with one Component per file (the file is its
KeyPath), Ids from the install-relative path, component GUIDs derived from the UpgradeCode, the
architecture and the path — the same tree always gives the same bytes.

Options:
  --dir-ref ID            DirectoryRef to put the tree under (default INSTALLFOLDER)
  --component-group ID    ComponentGroup listing every component (default ProductComponents)
  --arch ARCH             x64 (default), x86 or arm64; x64/arm64 components get Win64="yes"
  --include GLOB          only these paths (repeatable; default everything)
  --exclude GLOB          leave these out (repeatable)
  --upgrade-code GUID     default: msi.upgradeCode of ./release.yaml (or --config)
  --config PATH           release.yaml to read the UpgradeCode from
  --source-root PREFIX    how File/@Source begins (default DIR as given; e.g. '$(var.PayloadDir)')
  -o, --output FILE       write the fragment to FILE instead of stdout
  -h, --help              show this help`,
    options: {
      'dir-ref': { type: 'string', default: 'INSTALLFOLDER' },
      'component-group': { type: 'string', default: 'ProductComponents' },
      arch: { type: 'string', default: 'x64' },
      include: { type: 'string', multiple: true },
      exclude: { type: 'string', multiple: true },
      'upgrade-code': { type: 'string' },
      config: { type: 'string' },
      'source-root': { type: 'string' },
      output: { type: 'string', short: 'o' },
    },
    async run(values, positionals, io) {
      if (positionals.length !== 1) throw new UsageError('release harvest needs exactly one folder: release harvest DIR');
      const { harvestCommand } = await import('./commands/harvest.js');
      const xml = await harvestCommand({
        dir: positionals[0]!,
        cwd: io.cwd,
        dirRef: values['dir-ref'] as string,
        componentGroup: values['component-group'] as string,
        arch: values.arch as string,
        include: (values.include as string[] | undefined) ?? [],
        exclude: (values.exclude as string[] | undefined) ?? [],
        upgradeCode: values['upgrade-code'] as string | undefined,
        config: values.config as string | undefined,
        sourceRoot: values['source-root'] as string | undefined,
        output: values.output as string | undefined,
      });
      if (!values.output) io.stdout.write(xml);
      return 0;
    },
  },
};

const MAIN_HELP = `winship ${TOOL_VERSION}: turn a Go project into a signed, installable Windows release.

Usage: release <command> [options]   (also installed as "winship")

Commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`)
  .join('\n')}

Run "release <command> --help" for a command's options. "release --version" prints the version.`;

async function usageOf(command: Command): Promise<string> {
  return typeof command.usage === 'string' ? command.usage : command.usage();
}



/** `--version` without a value (last, or followed by another option) asks for our version. */
function wantsToolVersion(args: readonly string[]): boolean {
  const i = args.indexOf('--version');
  return i >= 0 && (i === args.length - 1 || args[i + 1]!.startsWith('-'));
}

/** The options a command takes (for checking command lines written elsewhere: examples/ci/). */
export function commandOptions(name: string): NonNullable<ParseArgsConfig['options']> | undefined {
  return commands[name]?.options;
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    io.stdout.write(`${MAIN_HELP}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${TOOL_VERSION}\n`);
    return 0;
  }
  const command = commands[name];
  if (!command) {
    io.stderr.write(`error: unknown command "${name}"\n\n${MAIN_HELP}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${await usageOf(command)}\n`);
    return 0;
  }
  if (wantsToolVersion(rest)) {
    io.stdout.write(`${TOOL_VERSION}\n`);
    return 0;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: [...rest], options: command.options, allowPositionals: true, strict: true });
  } catch (err) {
    io.stderr.write(`error: ${(err as Error).message}\n\n${await usageOf(command)}\n`);
    return 2;
  }
  try {
    return await command.run(parsed.values, parsed.positionals, io);
  } catch (err) {
    reportError(err, io.stderr);
    return exitCodeOf(err);
  }
}
