import { execa, type ResultPromise } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

// A real S3-compatible server on loopback: SeaweedFS (`weed server -s3`, master, volume, filer
// and S3 gateway in one process), built from the Go module proxy by scripts/seaweedfs.sh (which
// scripts/setup.sh runs; here too, once, if it has not). Every port is a free loopback port, so
// the tests of the other engineers' trees and a second run can share the machine.

export interface S3Server {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** What a run needs to reach it through the AWS SDK's own variables. */
  env: Record<string, string>;
  /** Create a bucket. */
  bucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function seaweedBinary(): Promise<string> {
  const r = await execa(join(repoRoot, 'scripts', 'seaweedfs.sh'), [], { reject: false, timeout: 1_200_000 });
  if (r.exitCode !== 0 || !existsSync(r.stdout.trim())) throw new Error(`could not build SeaweedFS (scripts/seaweedfs.sh):\n${r.stderr}`);
  return r.stdout.trim();
}

export async function startS3Server(dir: string): Promise<S3Server> {
  const weed = await seaweedBinary();
  const data = join(dir, 'seaweedfs');
  await mkdir(data, { recursive: true });
  const accessKeyId = 'WINSHIPTEST';
  const secretAccessKey = `secret-${Math.random().toString(36).slice(2)}`;
  const config = join(dir, 's3.json');
  await writeFile(config, JSON.stringify({ identities: [{ name: 'winship', credentials: [{ accessKey: accessKeyId, secretKey: secretAccessKey }], actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'] }] }));
  const ports: number[] = [];
  for (let i = 0; i < 8; i++) ports.push(await freePort());
  const [master, masterGrpc, volume, volumeGrpc, filer, filerGrpc, s3, s3Grpc] = ports as [number, number, number, number, number, number, number, number];
  const child: ResultPromise = execa(
    weed,
    [
      'server',
      '-ip=127.0.0.1',
      '-ip.bind=127.0.0.1',
      `-dir=${data}`,
      `-master.port=${master}`,
      `-master.port.grpc=${masterGrpc}`,
      `-volume.port=${volume}`,
      `-volume.port.grpc=${volumeGrpc}`,
      `-filer.port=${filer}`,
      `-filer.port.grpc=${filerGrpc}`,
      '-s3',
      `-s3.port=${s3}`,
      `-s3.port.grpc=${s3Grpc}`,
      '-s3.port.iceberg=0',
      '-s3.port.lance=0',
      `-s3.config=${config}`,
      '-volume.max=8',
      '-master.volumeSizeLimitMB=64',
    ],
    { reject: false, all: true, cleanup: true },
  );
  let log = '';
  child.all!.on('data', (d: Buffer) => (log += d.toString()));
  const endpoint = `http://127.0.0.1:${s3}`;
  const env = { AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_REGION: 'us-east-1' };
  const { S3Client, CreateBucketCommand, ListBucketsCommand } = await import('@aws-sdk/client-s3');
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId, secretAccessKey } });
  // Ready when the S3 gateway answers a signed request (it starts after the filer); no fixed wait.
  for (;;) {
    if (child.exitCode !== null) throw new Error(`weed server exited (${child.exitCode}):\n${log.slice(-3000)}`);
    const ok = await client.send(new ListBucketsCommand({})).then(
      () => true,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    endpoint,
    accessKeyId,
    secretAccessKey,
    env,
    async bucket(name) {
      // The filer may not have a writable volume yet right after start: retried until it does.
      for (let attempt = 0; ; attempt++) {
        const r = await client.send(new CreateBucketCommand({ Bucket: name })).then(
          () => undefined,
          (e: Error) => e,
        );
        if (!r || r.name === 'BucketAlreadyOwnedByYou' || r.name === 'BucketAlreadyExists') return;
        if (attempt > 50) throw r;
        await new Promise((res) => setTimeout(res, 200));
      }
    },
    async stop() {
      client.destroy();
      child.kill('SIGTERM');
      await child;
    },
  };
}
