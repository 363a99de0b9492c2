import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPatch, createPatch } from '../../src/delta/patch.js';
import { buildGoApplier, GO_ENV, GO_PATCH_MODULE } from '../support/goApplier.js';
import { createWinePrefix, haveWine } from '../support/wine.js';
import { seededRandom } from '../support/seeded.js';

// The Go applier (go/patch), the format's second implementation, against the first: its own
// tests (go vet, go test), patches the Node encoder makes applied by its command on Linux with
// the same result and the same refusals as the Node applier, and, under Wine, a real Go program
// that links the package updating itself from a patch.

const moduleDir = GO_PATCH_MODULE;
const goEnv = GO_ENV;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let work: string;
let applier: string;

const buildApplier = buildGoApplier;

/** Runs the Go command; `out` is where it writes. */
async function goApply(old: Uint8Array, patch: Uint8Array, name: string) {
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'old'), old);
  await writeFile(join(dir, 'patch'), patch);
  const r = await execa(applier, [join(dir, 'old'), join(dir, 'patch'), join(dir, 'out')], { reject: false });
  const out = await readFile(join(dir, 'out')).catch(() => undefined);
  const left = (await readdir(dir)).filter((f) => f.endsWith('.tmp'));
  return { exitCode: r.exitCode, stderr: String(r.stderr), out, left };
}

function nodeError(old: Uint8Array, patch: Uint8Array): string {
  try {
    applyPatch(old, patch);
  } catch (err) {
    return (err as Error).message;
  }
  return '';
}

const flip = (b: Uint8Array, at: number, bits: number) => {
  b[at] = b[at]! ^ bits;
};

/** Makes the CRC-32 trailer match again after an edit, so the edit reaches the checks after it. */
function reseal(p: Uint8Array): Uint8Array {
  const q = Uint8Array.from(p);
  new DataView(q.buffer).setUint32(q.length - 4, crc32(q.subarray(0, q.length - 4)), true);
  return q;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'winship-goapplier-'));
  applier = await buildApplier(work);
}, 300_000);
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('go/patch, the Go applier', () => {
  it('passes go vet and its own tests', async () => {
    await execa('go', ['vet', './...'], { cwd: moduleDir, env: goEnv });
    const r = await execa('go', ['test', './...'], { cwd: moduleDir, env: goEnv, reject: false });
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
  });

  it('applies what the Node encoder makes of random edits, to the exact new file', async () => {
    const r = seededRandom(7);
    const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
    for (let c = 0; c < 12; c++) {
      const old = c % 4 === 0 ? new Uint8Array(0) : bytes(Math.floor(r() * 20_000));
      let neu = Uint8Array.from(old);
      for (let e = 0; e < 5; e++) {
        const at = Math.floor(r() * (neu.length + 1));
        const kind = r();
        if (kind < 0.4 && neu.length > 0) flip(neu, Math.min(at, neu.length - 1), 0x5a);
        else if (kind < 0.7) neu = Uint8Array.from([...neu.subarray(0, at), ...bytes(Math.floor(r() * 300)), ...neu.subarray(at)]);
        else neu = Uint8Array.from([...neu.subarray(0, at), ...neu.subarray(Math.min(neu.length, at + Math.floor(r() * 300)))]);
      }
      const patch = createPatch(old, neu);
      expect(sha(applyPatch(old, patch))).toBe(sha(neu));
      const go = await goApply(old, patch, `random-${c}`);
      expect(go.exitCode, go.stderr).toBe(0);
      expect(sha(go.out!)).toBe(sha(neu));
    }
  });

  it('applies fresh patches of the committed vectors (the encoder as it is now)', async () => {
    const testdata = join(moduleDir, 'testdata');
    const files = await readdir(testdata);
    // (large.wsp is kept without its inputs: the Go tests make them.)
    const names = files.filter((f) => f.endsWith('.wsp') && files.includes(`${f.slice(0, -4)}.old`)).map((f) => f.slice(0, -4));
    expect(names.length).toBeGreaterThan(8);
    for (const name of names) {
      const old = await readFile(join(testdata, `${name}.old`));
      const neu = await readFile(join(testdata, `${name}.new`));
      const go = await goApply(old, createPatch(old, neu), `vector-${name}`);
      expect(go.exitCode, `${name}: ${go.stderr}`).toBe(0);
      expect(sha(go.out!), name).toBe(sha(neu));
    }
  });

  it('refuses what the Node applier refuses, with the same message, and writes nothing', async () => {
    const r = seededRandom(9);
    const old = Uint8Array.from({ length: 6000 }, (_, i) => (i * 7 + (i >> 5)) & 0xff);
    const neu = Uint8Array.from(old);
    for (let i = 100; i < 6000; i += 997) flip(neu, i, 0x33);
    const patch = createPatch(old, neu);
    const edit = (f: (p: Uint8Array, v: DataView) => void) => {
      const p = Uint8Array.from(patch);
      f(p, new DataView(p.buffer));
      return reseal(p);
    };
    const otherBytes = Uint8Array.from(old);
    flip(otherBytes, 3000, 1);
    const cases: [string, Uint8Array, Uint8Array][] = [
      ['not a patch', old, Buffer.from('hello, this is not a patch at all, not even close to one....................................................................')],
      ['cut in the header', old, patch.subarray(0, 60)],
      ['cut in the body', old, patch.subarray(0, patch.length - 10)],
      ['a byte more', old, Uint8Array.from([...patch, 0])],
      ['damaged', old, Uint8Array.from(patch).map((b, i) => (i === 120 ? b ^ 4 : b))],
      ['another version', old, edit((p) => (p[8] = 9))],
      ['another algorithm', old, edit((p) => (p[10] = 2))],
      ['flags', old, edit((p) => (p[12] = 1))],
      ['a file too big', old, edit((_, v) => v.setBigUint64(24, 2n ** 31n, true))],
      ['a promise it does not keep', old, edit((p) => flip(p, 70, 1))],
      ['another size', Uint8Array.from([...old, 1]), patch],
      ['same size, other bytes', otherBytes, patch],
    ];
    // Bytes of the body changed (and the CRC made to match): decoding refuses, or the result's
    // hash does.
    for (let i = 0; i < 6; i++) {
      const at = 104 + Math.floor(r() * (patch.length - 108));
      cases.push([`body byte ${at} changed`, old, edit((p) => flip(p, at, 1 << Math.floor(r() * 8)))]);
    }
    for (const [what, input, p] of cases) {
      const message = nodeError(input, p);
      expect(message, what).not.toBe('');
      const go = await goApply(input, p, `refused-${what.replaceAll(' ', '-')}`);
      expect(go.exitCode, what).toBe(1);
      expect(go.stderr, what).toContain(message);
      expect(go.out, what).toBeUndefined();
      expect(go.left, what).toEqual([]);
    }
  });
});

describe('go/patch under Wine (windows/amd64)', () => {
  let wine: Awaited<ReturnType<typeof createWinePrefix>>;
  let dir: string; // C:\t
  const appDir = () => join(work, 'selfupdate');
  const app = (version: string) => join(appDir(), `app-${version}.exe`);

  // A Go program that links go/patch and updates itself as its README says: `app update PATCH`
  // applies PATCH to its own exe, renames the running exe aside and moves the new one in.
  const source = (version: string) => `package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/winship/winship/go/patch"
)

const version = "${version}"

func main() {
	if len(os.Args) == 3 && os.Args[1] == "update" {
		if err := update(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "update:", err, errors.Is(err, patch.ErrWrongInput))
			os.Exit(1)
		}
		fmt.Println("updated")
		return
	}
	fmt.Println("app version", version)
}

func update(patchPath string) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	if err := patch.ApplyFile(exe, patchPath, exe+".new"); err != nil {
		return err
	}
	os.Remove(exe + ".old")
	if err := os.Rename(exe, exe+".old"); err != nil {
		return err
	}
	if err := os.Rename(exe+".new", exe); err != nil {
		os.Rename(exe+".old", exe)
		return err
	}
	return nil
}
`;

  beforeAll(async () => {
    expect(await haveWine(), 'wine64 is installed by scripts/setup.sh').toBe(true);
    const [prefix] = await Promise.all([
      createWinePrefix(join(work, 'wine', 'prefix')),
      (async () => {
        for (const version of ['1.0.0', '1.1.0']) {
          const src = join(appDir(), `src-${version}`);
          await mkdir(src, { recursive: true });
          await writeFile(
            join(src, 'go.mod'),
            `module example.com/app\n\ngo 1.21\n\nrequire github.com/winship/winship/go/patch v0.0.0\n\nreplace github.com/winship/winship/go/patch => ${JSON.stringify(moduleDir)}\n`,
          );
          await writeFile(join(src, 'main.go'), source(version));
          await execa('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', app(version), '.'], {
            cwd: src,
            env: { ...goEnv, GOOS: 'windows', GOARCH: 'amd64' },
          });
        }
        await buildApplier(appDir(), { GOOS: 'windows', GOARCH: 'amd64' });
      })(),
    ]);
    wine = prefix;
    dir = join(wine.driveC, 't');
    await mkdir(dir, { recursive: true });
    await copyFile(join(appDir(), 'winship-patch-apply.exe'), join(dir, 'winship-patch-apply.exe'));
    const [v1, v2] = [await readFile(app('1.0.0')), await readFile(app('1.1.0'))];
    await writeFile(join(dir, 'app.exe'), v1);
    await writeFile(join(dir, 'v1.exe'), v1);
    await writeFile(join(dir, 'v2.exe'), v2);
    await writeFile(join(dir, 'update.wsp'), createPatch(v1, v2));
  }, 300_000);

  it('winship-patch-apply.exe makes the new exe, also over an existing file, which then runs', async () => {
    await writeFile(join(dir, 'out.exe'), 'an older file in the way');
    const r = await wine.run(['C:\\t\\winship-patch-apply.exe', 'C:\\t\\v1.exe', 'C:\\t\\update.wsp', 'C:\\t\\out.exe'], { reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(sha(await readFile(join(dir, 'out.exe')))).toBe(sha(await readFile(join(dir, 'v2.exe'))));
    expect((await wine.run(['C:\\t\\out.exe'])).stdout.trim()).toBe('app version 1.1.0');
  });

  it('refuses the wrong old file with exit code 1, and leaves the destination and no temp file', async () => {
    await writeFile(join(dir, 'kept.exe'), 'keep me');
    const r = await wine.run(['C:\\t\\winship-patch-apply.exe', 'C:\\t\\v2.exe', 'C:\\t\\update.wsp', 'C:\\t\\kept.exe'], { reject: false });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/this patch applies to (a file of|the file with SHA-256)/);
    expect(await readFile(join(dir, 'kept.exe'), 'utf8')).toBe('keep me');
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a program linking go/patch updates itself while it runs (rename aside, move in)', async () => {
    expect((await wine.run(['C:\\t\\app.exe'])).stdout.trim()).toBe('app version 1.0.0');
    const r = await wine.run(['C:\\t\\app.exe', 'update', 'C:\\t\\update.wsp'], { reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('updated');
    expect((await wine.run(['C:\\t\\app.exe'])).stdout.trim()).toBe('app version 1.1.0');
    expect(sha(await readFile(join(dir, 'app.exe')))).toBe(sha(await readFile(join(dir, 'v2.exe'))));
    expect((await stat(join(dir, 'app.exe.old'))).size).toBe((await readFile(join(dir, 'v1.exe'))).length);
    // The same patch again: the exe is 1.1.0 now, so it is refused as the wrong input.
    const again = await wine.run(['C:\\t\\app.exe', 'update', 'C:\\t\\update.wsp'], { reject: false });
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toMatch(/this patch applies to (a file of|the file with SHA-256) .* true/);
  });
});
