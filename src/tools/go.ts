import type { GoArch } from '../util/arch.js';
import { StageError } from '../util/errors.js';
import { versionAtLeast } from '../util/versions.js';
import { ToolFailedError, type Tool, type ToolRunner } from './runner.js';

export const go: Tool = {
  name: 'go',
  command: 'go',
  install: 'Go 1.18 or newer: download it from https://go.dev/dl/ and put its bin/ on PATH (Debian: apt-get install golang-go)',
};

/** -buildvcs and `go mod vendor -o` arrived in Go 1.18. */
export const MIN_GO: readonly [number, number] = [1, 18];

/** "go1.26.8" → [1, 26, 8]; "go1.22rc1" → [1, 22, 0]; undefined for devel builds. */
export function parseGoVersion(text: string): [number, number, number] | undefined {
  const m = /go(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

export function checkGoVersion(goVersion: string): void {
  const v = parseGoVersion(goVersion);
  if (!v) return; // a devel toolchain: trust it
  if (!versionAtLeast(v, MIN_GO)) {
    throw new StageError(
      `${goVersion} is too old: winship builds with -trimpath and -buildvcs, which need Go ${MIN_GO.join('.')} or newer. Install a newer Go: ${go.install}`,
    );
  }
}

export async function goVersion(runner: ToolRunner, cwd: string): Promise<string> {
  return (await runner.run({ tool: go, args: ['env', 'GOVERSION'], cwd, timeoutMs: 60_000, readOnly: true })).stdout.trim();
}

export interface GoBuildSpec {
  cwd: string;
  /** Main package, relative to cwd ("." or "./cmd/app"). */
  main: string;
  output: string;
  goarch: GoArch;
  ldflags: string;
  tags: readonly string[];
  flags: readonly string[];
  env: Readonly<Record<string, string>>;
  buildvcs: boolean;
}

/** A package path go accepts for a directory: "./x", never bare "x" (that is an import path). */
export function mainPackageArg(main: string): string {
  const m = main.replace(/\\/g, '/').replace(/\/+$/, '') || '.';
  return m === '.' || m.startsWith('./') || m.startsWith('../') || m.startsWith('/') ? m : `./${m}`;
}

export function goBuildArgs(spec: GoBuildSpec): string[] {
  return [
    'build',
    '-trimpath',
    `-buildvcs=${spec.buildvcs}`,
    ...(spec.tags.length ? ['-tags', spec.tags.join(',')] : []),
    ...spec.flags,
    '-ldflags',
    spec.ldflags,
    '-o',
    spec.output,
    mainPackageArg(spec.main),
  ];
}

/** The environment of a Windows cross build: the user's build env, then what we insist on. */
export function goBuildEnv(spec: Pick<GoBuildSpec, 'goarch' | 'env'>): Record<string, string> {
  return { ...spec.env, CGO_ENABLED: '0', GOOS: 'windows', GOARCH: spec.goarch };
}

export async function goBuild(runner: ToolRunner, spec: GoBuildSpec, subject: string, signal?: AbortSignal): Promise<void> {
  try {
    await runner.run({ tool: go, args: goBuildArgs(spec), env: goBuildEnv(spec), cwd: spec.cwd, subject, signal, timeoutMs: 30 * 60_000 });
  } catch (err) {
    if (err instanceof ToolFailedError && !err.timedOut) {
      throw new StageError(`go build failed for ${subject}:\n${err.stderr.trim() || err.stdout.trim()}`, err.commandLine);
    }
    throw err;
  }
}

/** The package name at `main` for GOOS=windows, to catch "not a main package" before building. */
export async function goPackageName(runner: ToolRunner, cwd: string, main: string, env: Readonly<Record<string, string>>): Promise<string> {
  const { stdout } = await runner.run({
    tool: go,
    args: ['list', '-f', '{{.Name}}', mainPackageArg(main)],
    env: { ...env, GOOS: 'windows', CGO_ENABLED: '0' },
    cwd,
    timeoutMs: 5 * 60_000,
    readOnly: true,
  });
  return stdout.trim();
}

export async function goModVerify(runner: ToolRunner, cwd: string, signal?: AbortSignal): Promise<void> {
  try {
    await runner.run({ tool: go, args: ['mod', 'verify'], cwd, signal, timeoutMs: 10 * 60_000 });
  } catch (err) {
    if (err instanceof ToolFailedError && !err.timedOut) {
      throw new StageError(`go mod verify failed in ${cwd}: the module cache does not match go.sum:\n${(err.stdout + err.stderr).trim()}`);
    }
    throw err;
  }
}

/** `go mod vendor -o DIR`: what vendor/ should hold, written elsewhere so the project is untouched. */
export async function goModVendorTo(runner: ToolRunner, cwd: string, outDir: string, signal?: AbortSignal): Promise<void> {
  await runner.run({ tool: go, args: ['mod', 'vendor', '-o', outDir], cwd, signal, timeoutMs: 10 * 60_000 });
}

/** One package of `go list`, as release init reads it. */
export interface ListedPackage {
  importPath: string;
  name: string;
  dir: string;
  goFiles: string[];
  imports: string[];
  /** The package synopsis (go doc's first sentence). */
  doc: string;
  /** go could not load it fully (-e): its files may still be read. */
  error: boolean;
}

const LIST_SEPARATOR = '\u001f';

/**
 * The module's packages as built for windows/amd64 (build constraints applied), read only: with
 * -e (a package that does not compile is still listed), GOPROXY=off (a missing dependency is an
 * error, not a download) and GOTOOLCHAIN=local (never a toolchain download).
 */
export async function goListPackages(runner: ToolRunner, cwd: string, signal?: AbortSignal): Promise<ListedPackage[]> {
  const format = ['{{.ImportPath}}', '{{.Name}}', '{{.Dir}}', '{{join .GoFiles ","}}', '{{join .Imports ","}}', '{{.Doc}}', '{{if .Error}}1{{end}}'].join(LIST_SEPARATOR);
  const { stdout } = await runner.run({
    tool: go,
    args: ['list', '-e', '-f', format, './...'],
    env: { GOOS: 'windows', GOARCH: 'amd64', CGO_ENABLED: '0', GOPROXY: 'off', GOTOOLCHAIN: 'local' },
    cwd,
    signal,
    timeoutMs: 5 * 60_000,
    readOnly: true,
  });
  return stdout
    .split('\n')
    .filter((line) => line.includes(LIST_SEPARATOR))
    .map((line) => {
      const [importPath = '', name = '', dir = '', files = '', imports = '', doc = '', error = ''] = line.split(LIST_SEPARATOR);
      const list = (text: string) => text.split(',').filter(Boolean);
      return { importPath, name, dir, goFiles: list(files), imports: list(imports), doc, error: error === '1' };
    });
}
