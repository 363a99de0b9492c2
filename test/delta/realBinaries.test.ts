import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRelease } from '../support/cli.js';
import { buildGoApplier } from '../support/goApplier.js';

// Patches between real Go programs, made by the CLI and applied by both appliers: ours in Node
// (`release patch apply`) and the Go package users link (go/patch, through its small command).
// v1 → v2 changes one string; v1 → v3 adds a dependency (a module of its own) and code using it.

const ARCHES = ['amd64', 'arm64', '386'] as const;
let work: string;
let goApplier: string;
const exe = (version: string, arch: string) => join(work, `app_${version}_${arch}.exe`);

const MAIN = (greeting: string, extra = '') => `package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"${extra ? '\n\t"example.com/greeter"' : ''}
)

func main() {
	out, _ := json.Marshal(map[string]string{"greeting": "${greeting}", "args": strings.Join(os.Args[1:], " ")})
	fmt.Println(string(out))${extra}
}
`;

async function buildVersion(version: string, source: string, withDep: boolean): Promise<void> {
  const dir = join(work, `src-${version}`);
  await mkdir(dir, { recursive: true });
  let mod = 'module example.com/app\n\ngo 1.21\n';
  if (withDep) {
    await mkdir(join(dir, 'greeter'), { recursive: true });
    await writeFile(join(dir, 'greeter', 'go.mod'), 'module example.com/greeter\n\ngo 1.21\n');
    await writeFile(
      join(dir, 'greeter', 'greeter.go'),
      'package greeter\n\nimport (\n\t"fmt"\n\t"sort"\n\t"strings"\n)\n\n// Greet greets every name, sorted.\nfunc Greet(names ...string) string {\n\tsort.Strings(names)\n\tvar b strings.Builder\n\tfor i, n := range names {\n\t\tfmt.Fprintf(&b, "%d: hello, %s\\n", i, strings.ToUpper(n))\n\t}\n\treturn b.String()\n}\n',
    );
    mod += 'require example.com/greeter v0.0.0\n\nreplace example.com/greeter => ./greeter\n';
  }
  await writeFile(join(dir, 'go.mod'), mod);
  await writeFile(join(dir, 'main.go'), source);
  for (const arch of ARCHES) {
    await execa('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', exe(version, arch), '.'], {
      cwd: dir,
      env: { GOOS: 'windows', GOARCH: arch, CGO_ENABLED: '0', GOFLAGS: '-mod=mod', GOPROXY: 'off' },
    });
  }
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'winship-delta-'));
  await buildVersion('v1', MAIN('hello from version one'), false);
  await buildVersion('v2', MAIN('hello from the second version'), false);
  await buildVersion('v3', MAIN('hello from version one', '\n\tfmt.Print(greeter.Greet(os.Args[1:]...))'), true);
  goApplier = await buildGoApplier(work);
}, 600_000);
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const sha = async (p: string) => createHash('sha256').update(await readFile(p)).digest('hex');

describe.each(ARCHES)('windows/%s', (arch) => {
  it.each([
    ['v2', 'one changed string', 0.004],
    ['v3', 'a dependency added', 0.05],
  ])('v1 → %s (%s): small, and both appliers make the exact new exe', async (to, _what, maxShare) => {
    const patch = join(work, `v1_${to}_${arch}.patch`);
    const made = await runRelease(['patch', 'create', exe('v1', arch), exe(to, arch), '-o', patch], { cwd: work });
    expect(made.exitCode, made.stderr).toBe(0);
    const size = (await stat(patch)).size;
    const full = (await stat(exe(to, arch))).size;
    expect(size / full).toBeLessThan(maxShare);

    const byNode = join(work, `node_${to}_${arch}.exe`);
    const applied = await runRelease(['patch', 'apply', exe('v1', arch), patch, '-o', byNode], { cwd: work });
    expect(applied.exitCode, applied.stderr).toBe(0);
    expect(await sha(byNode)).toBe(await sha(exe(to, arch)));

    const byGo = join(work, `go_${to}_${arch}.exe`);
    const go = await execa(goApplier, [exe('v1', arch), patch, byGo], { reject: false });
    expect(go.exitCode, go.stderr).toBe(0);
    expect(await sha(byGo)).toBe(await sha(exe(to, arch)));
  });
});

describe('applied to the wrong file', () => {
  it('both appliers refuse, and write nothing', async () => {
    const patch = join(work, 'wrong.patch');
    expect((await runRelease(['patch', 'create', exe('v1', 'amd64'), exe('v2', 'amd64'), '-o', patch], { cwd: work })).exitCode).toBe(0);
    for (const input of [exe('v1', 'arm64'), exe('v2', 'amd64')]) {
      const out = join(work, 'never.exe');
      const node = await runRelease(['patch', 'apply', input, patch, '-o', out], { cwd: work });
      expect(node.exitCode).toBe(1);
      expect(node.stderr).toMatch(/this patch applies to the file with SHA-256|this patch applies to a file of/);
      const go = await execa(goApplier, [input, patch, out], { reject: false });
      expect(go.exitCode).toBe(1);
      expect(go.stderr).toMatch(/applies to/);
      await expect(stat(out)).rejects.toThrow();
    }
  });

  it('a truncated patch is refused by both', async () => {
    const patch = join(work, 'wrong.patch');
    const cut = join(work, 'cut.patch');
    const whole = await readFile(patch);
    await writeFile(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    const node = await runRelease(['patch', 'apply', exe('v1', 'amd64'), cut, '-o', join(work, 'never.exe')], { cwd: work });
    expect(node.exitCode).toBe(1);
    expect(node.stderr).toContain('truncated');
    const go = await execa(goApplier, [exe('v1', 'amd64'), cut, join(work, 'never.exe')], { reject: false });
    expect(go.exitCode).toBe(1);
    expect(go.stderr).toContain('truncated');
  });
});

describe('the disk fills up while the new file is written', () => {
  // A 64 KiB tmpfs: the 1.5 MB exe cannot fit. Mounting needs root, which CI has.
  const root = process.getuid?.() === 0;
  it.skipIf(!root)('both appliers say so, and leave neither the file nor a temp file', async () => {
    const small = join(work, 'full-disk');
    await mkdir(small, { recursive: true });
    await execa('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', small]);
    try {
      const patch = join(work, 'wrong.patch');
      const node = await runRelease(['patch', 'apply', exe('v1', 'amd64'), patch, '-o', join(small, 'new.exe')], { cwd: work });
      expect(node.exitCode).toBe(1);
      expect(node.stderr).toContain(`could not write ${join(small, 'new.exe')}: the disk is full; it was left as it was`);
      const go = await execa(goApplier, [exe('v1', 'amd64'), patch, join(small, 'new.exe')], { reject: false });
      expect(go.exitCode).toBe(1);
      expect(go.stderr).toMatch(/no space left on device/);
      expect((await execa('ls', ['-A', small])).stdout).toBe('');
    } finally {
      await execa('umount', [small]);
    }
  });
});
