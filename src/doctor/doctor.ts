import { resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import { loadConfig, locateConfig, type LoadedConfig } from '../config/load.js';
import { BACKENDS, chooseBackend } from '../msi/backends.js';
import { checkOsslsigncodeVersion, osslsigncodePassword } from '../signing/backends/osslsigncode.js';
import { credentialFrom, type SigningCredential } from '../signing/credentials.js';
import { chooseSigningBackend } from '../signing/plan.js';
import { signConfig, type SignConfig, type SigningEnv } from '../signing/settings.js';
import { gitVersion } from '../tools/git.js';
import { checkGoVersion, goVersion } from '../tools/go.js';
import { mkfifo } from '../tools/mkfifo.js';
import { openssl } from '../tools/openssl.js';
import { onPath } from '../tools/path.js';
import { ToolRunner } from '../tools/runner.js';
import { signtool } from '../tools/signtool.js';
import { findWine, MIN_WINE_WITH_PROCESS_PRNG, parseWineVersion, WINE_INSTALL, wineVersion } from '../tools/wine.js';
import { mingwGcc } from '../tools/wineShim.js';
import { msibuild, msiinfo } from '../tools/wixl.js';
import { xmllint } from '../tools/xmllint.js';
import { sha256sum } from '../tools/sha256sum.js';
import { timestampServers } from '../tsa/servers.js';
import { archOf, windowsArchOf } from '../util/arch.js';
import { MissingToolError } from '../util/errors.js';
import { versionAtLeast } from '../util/versions.js';

// `release doctor`: everything a release of this project needs on this machine, checked the
// way the release will use it, each missing piece with the command that installs it: the tools
// (go, the MSI backend and what it can build, osslsigncode or signtool and the features the
// config needs of it, Wine and mingw-w64 for release verify), the certificate (opens, valid,
// may sign code, the MSIX Publisher), and a probe of the timestamp servers.

export type Status = 'ok' | 'warn' | 'fail' | 'skip';

export interface Finding {
  /** What was checked: "go", "msi backend", "certificate"… */
  area: string;
  status: Status;
  detail: string;
}

export interface DoctorOptions {
  cwd: string;
  config?: string;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  /** Check as `release build --dev-cert` would sign. */
  devCert: boolean;
  /** Probe the timestamp servers (the network). */
  probe: boolean;
  /** Told each finding as it is made. */
  onFinding?: (finding: Finding) => void;
}

export interface DoctorReport {
  config?: string;
  findings: Finding[];
  ok: boolean;
}

export async function doctor(o: DoctorOptions): Promise<DoctorReport> {
  const findings: Finding[] = [];
  const add = (area: string, status: Status, detail: string) => {
    const f = { area, status, detail };
    findings.push(f);
    o.onFinding?.(f);
  };
  const runner = new ToolRunner({ dryRun: false, signal: o.signal });
  const has = (command: string) => onPath(command, o.env);

  let loaded: LoadedConfig | undefined;
  const path = locateConfig(o.config, o.cwd);
  if (!path) add('release.yaml', 'warn', `none in ${o.cwd}: checking what a release of the defaults needs (run release init to write one)`);
  else {
    try {
      loaded = await loadConfig(path);
      runner.scrubEnv(loaded.config.sign?.certificate.passwordEnv ?? 'WINSHIP_PFX_PASSWORD');
      add('release.yaml', 'ok', `${path}: valid (project ${loaded.config.project.name})`);
    } catch (err) {
      add('release.yaml', 'fail', `${path}: ${(err as Error).message.split('\n').slice(0, 6).join(' / ')} (release check lists every problem)`);
    }
  }
  const config = loaded?.config;
  const cwd = loaded ? loaded.projectDir : o.cwd;

  const node = process.versions.node.split('.').map(Number);
  add('node', versionAtLeast(node, [20, 19]) ? 'ok' : 'fail', `Node.js ${process.versions.node}${versionAtLeast(node, [20, 19]) ? '' : ': winship needs 20.19 or newer (https://nodejs.org/)'}`);

  await tool('go', async () => {
    const version = await goVersion(runner, cwd);
    checkGoVersion(version);
    add('go', 'ok', `${version} (winship needs 1.18 or newer)`);
  });
  await tool('git', async () => {
    add('git', 'ok', `${await gitVersion(runner)} (the version and date come from tags and commits)`);
  }, 'warn');

  await msiBackend(config);
  await signing(config);
  await verifyTools();
  return { ...(path ? { config: path } : {}), findings, ok: !findings.some((f) => f.status === 'fail') };

  /** Run a check that uses a tool; a missing tool is a finding with its install command. */
  async function tool(area: string, check: () => Promise<void>, missing: Status = 'fail'): Promise<void> {
    try {
      await check();
    } catch (err) {
      if (err instanceof MissingToolError) add(area, missing, `not found: ${err.install}`);
      else add(area, 'fail', (err as Error).message.split('\n')[0]!);
    }
  }

  async function msiBackend(cfg: Config | undefined): Promise<void> {
    if (cfg && (!cfg.msi || cfg.msi.disabled)) {
      add('msi backend', 'skip', cfg.msi ? 'msi.disabled is set' : 'no msi: section in release.yaml');
      return;
    }
    const id = chooseBackend(cfg?.msi?.backend ?? 'auto');
    const backend = BACKENDS[id];
    await tool('msi backend', async () => {
      const version = await backend.version(runner, cwd);
      const arches = [...new Set((cfg?.msi?.targets ?? cfg?.builds.flatMap((b) => b.targets) ?? ['windows/amd64', 'windows/arm64', 'windows/386']).map((t) => windowsArchOf(archOf(t as 'windows/amd64'))))];
      const m = cfg?.msi;
      const problems = [
        ...new Set(arches.flatMap((arch) => backend.unsupported({ arch, addToPath: m?.addToPath ?? false, license: m?.license !== undefined, ui: m?.ui ?? false, expandableRegistry: m?.registry.some((r) => r.type === 'expandable') ?? false }, version))),
      ];
      if (problems.length) add('msi backend', 'fail', `${id} ${version ?? ''} cannot build what release.yaml asks: ${problems.join('; ')}`);
      else add('msi backend', 'ok', `${id} ${version ?? ''} builds ${arches.join(', ')}${id === 'wixl' && arches.includes('arm64') ? ' (arm64: the x64 database marked Arm64 by msibuild)' : ''}`);
    });
    // wixl's packages get their platform and PackageCode from msibuild.
    if (id === 'wixl') add('msibuild', has(msibuild.command) ? 'ok' : 'fail', has(msibuild.command) ? 'msitools: sets each MSI\'s platform and PackageCode after wixl' : `not found: ${msibuild.install}`);
  }

  async function signing(cfg: Config | undefined): Promise<void> {
    // Without a sign: section, the way to sign is --dev-cert: check what it needs.
    const dev = o.devCert || !cfg?.sign;
    if (!o.devCert && cfg?.sign?.disabled) {
      add('signing', 'skip', 'sign.disabled is set');
      return;
    }
    const env: SigningEnv = {
      config: cfg ?? ({} as Config),
      runner,
      signal: o.signal,
      logger: { info: () => undefined, warn: () => undefined },
      options: { devCert: dev, ioConcurrency: 8 },
      env: o.env,
      project: (...parts) => resolve(cwd, ...parts),
      warn: () => undefined,
    };
    const sign: SignConfig = signConfig(env)!;
    if (dev && !o.devCert) add('signing', 'warn', `no sign: section${cfg ? ' in release.yaml' : ''}: checked what release build --dev-cert needs (a throwaway certificate); a release needs your certificate (README "Signing")`);
    let credential: SigningCredential | undefined;
    if (!dev) {
      try {
        credential = credentialFrom(env, sign.certificate);
      } catch (err) {
        add('certificate', 'fail', (err as Error).message);
      }
    }
    const backend = chooseSigningBackend(sign.backend, process.platform, credential?.kind ?? 'pem');
    if (backend === 'signtool') {
      add('signtool', has(signtool.command) ? 'ok' : 'fail', has(signtool.command) ? 'found (Windows SDK)' : `not found: ${signtool.install}`);
    } else {
      await tool('osslsigncode', async () => {
        const password = credential ? osslsigncodePassword(credential) !== undefined : false;
        const msix = Boolean(cfg?.msix && !cfg.msix.disabled && sign.artifacts.includes('msix'));
        const setup = await checkOsslsigncodeVersion(runner, { msix, password, onlineRevocation: sign.verify.onlineRevocation });
        const needs = [msix ? 'MSIX (2.7+)' : '', password ? (setup.passwordRoute === 'fifo' ? 'the password through a FIFO (2.2-2.8)' : 'the password on stdin (2.9+)') : ''].filter(Boolean);
        add('osslsigncode', 'ok', `${setup.version?.join('.') ?? 'found'}${needs.length ? `: can sign ${needs.join(', ')}` : ''}`);
        for (const note of setup.notes) add('osslsigncode', 'warn', note);
        if (setup.passwordRoute === 'fifo' && !has(mkfifo.command)) add('mkfifo', 'fail', `not found, and this osslsigncode takes the password through a FIFO: ${mkfifo.install}`);
      });
    }
    if (dev) {
      add('certificate', 'ok', '--dev-cert: a throwaway root, code-signing certificate and timestamp authority are made for each run (no certificate, no network); not for release');
      add('timestamps', 'ok', '--dev-cert: the run\'s own timestamp authority on 127.0.0.1');
      return;
    }
    if (credential) await certificate(cfg!, sign, credential);
    await timestamps(cfg!);
  }

  async function certificate(cfg: Config, sign: SignConfig, credential: SigningCredential): Promise<void> {
    if (credential.kind === 'pkcs12' && !has(openssl.command)) add('openssl', 'warn', `not found, so ${credential.pfx} cannot be opened here before signing: ${openssl.install}`);
    const [{ checkCredential }, { certificatePublisher, sameDistinguishedName }] = await Promise.all([import('../signing/certificateCheck.js'), import('../signing/publisher.js')]);
    const verdict = await checkCredential(runner, credential, new Date());
    for (const e of verdict.errors) add('certificate', 'fail', e);
    for (const w of verdict.warnings) add('certificate', 'warn', w);
    const publisher = await certificatePublisher(runner, credential).catch((err: Error) => ({ unreadable: err.message }));
    if (verdict.errors.length === 0) add('certificate', 'ok', `${'publisher' in publisher ? publisher.publisher : sign.certificate.pfx ?? sign.certificate.cert ?? 'the certificate'}: opens, valid now, may sign code`);
    if (cfg.msix && !cfg.msix.disabled && cfg.msix.publisher && 'publisher' in publisher) {
      if (sameDistinguishedName(cfg.msix.publisher, publisher.publisher)) add('msix publisher', 'ok', `msix.publisher is the certificate's subject`);
      else add('msix publisher', 'fail', `msix.publisher "${cfg.msix.publisher}" is not the certificate's subject "${publisher.publisher}": Windows refuses the package`);
    }
  }

  async function timestamps(cfg: Config): Promise<void> {
    if (!o.probe) {
      add('timestamps', 'skip', '--no-probe');
      return;
    }
    const { selectTimestampServers } = await import('../tsa/probe.js');
    const { displayServer } = await import('../signing/failover.js');
    const urls = timestampServers(cfg.timestamp).map((s) => s.url);
    const sel = await selectTimestampServers(urls, { timeoutMs: Math.min(cfg.timestamp.timeoutSeconds, 10) * 1000, signal: o.signal });
    const latency = new Map(sel.results.map((r) => [r.url, Math.round(r.latencyMs)]));
    if (sel.ranked.length) add('timestamps', 'ok', `${sel.ranked.length} of ${urls.length} servers answer correctly, fastest first: ${sel.ranked.map((u) => `${displayServer(u)} (${latency.get(u)} ms)`).join(', ')}`);
    else add('timestamps', 'fail', `none of the ${urls.length} timestamp servers answered correctly: check the network or proxy (https_proxy, http_proxy), or list others in timestamp.servers; offline, release build --dev-cert timestamps locally`);
    for (const f of sel.failed) add('timestamps', 'warn', `${displayServer(f.url)}: ${f.reason}: ${f.detail}`);
  }

  async function verifyTools(): Promise<void> {
    const wine = findWine(o.env);
    if (!wine) add('wine', 'warn', `not found, so release verify cannot install the MSIs (it checks everything else): ${WINE_INSTALL}`);
    else {
      const version = await wineVersion(runner, wine).catch(() => 'wine (version unknown)');
      const parsed = parseWineVersion(version);
      const needsShim = !parsed || !versionAtLeast(parsed, MIN_WINE_WITH_PROCESS_PRNG);
      add('wine', 'ok', `${version}: release verify installs each x64 MSI into a throwaway prefix`);
      if (needsShim) {
        if (has(mingwGcc.command)) add('mingw-w64', 'ok', `${version} lacks the ProcessPrng Go 1.22+ needs: release verify builds its stand-in with ${mingwGcc.command}`);
        else add('mingw-w64', 'warn', `${version} lacks the ProcessPrng Go 1.22+ needs, and release verify builds its stand-in with mingw-w64: ${mingwGcc.install}`);
      }
    }
    for (const t of [msiinfo, xmllint, sha256sum]) add(t.name, has(t.command) ? 'ok' : 'warn', has(t.command) ? 'found (release verify)' : `not found, so release verify skips what it checks: ${t.install}`);
  }
}
