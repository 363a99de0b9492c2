import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { UsageError } from '../util/errors.js';

// The feed key: Ed25519. The private key is PKCS#8 PEM on disk (`release feed keygen`) or in
// WINSHIP_FEED_KEY (the PEM, or the base64 of the 32-byte seed); the public key is published as
// the base64 of its 32 raw bytes, the form a Go program compiles in (ed25519.PublicKey). The
// signature, releases.json.sig, is the base64 of the 64-byte signature over the exact bytes of
// releases.json, one line and a final newline (docs/feed-format.md).

export const FEED_KEY_ENV = 'WINSHIP_FEED_KEY';

// DER prefixes of an Ed25519 PKCS#8 private key and SPKI public key (RFC 8410): fixed bytes, then the 32-byte key.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export interface FeedKeyPair {
  /** PKCS#8 PEM. */
  privatePem: string;
  /** Base64 of the 32 raw bytes. */
  publicBase64: string;
}

export function generateFeedKey(): FeedKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicBase64: publicKeyBase64(publicKey) };
}

export function publicKeyBase64(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const der = pub.export({ type: 'spki', format: 'der' });
  return der.subarray(SPKI_PREFIX.length).toString('base64');
}

/**
 * The private key from its text: a PKCS#8 PEM, or the base64 of the 32-byte seed. `where` names
 * the source (the variable or the file) in messages; the text itself never appears in one.
 */
export function parsePrivateKey(text: string, where: string): KeyObject {
  const trimmed = text.trim();
  let key: KeyObject;
  try {
    if (trimmed.startsWith('-----BEGIN')) key = createPrivateKey({ key: trimmed, format: 'pem' });
    else {
      const seed = Buffer.from(trimmed, 'base64');
      if (seed.length !== 32 || seed.toString('base64').replace(/=+$/, '') !== trimmed.replace(/=+$/, '')) throw new Error('not 32 bytes of base64');
      key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    }
  } catch {
    throw new UsageError(`${where} holds no feed key: it must be a PKCS#8 PEM private key (as release feed keygen writes) or the base64 of a 32-byte Ed25519 seed`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new UsageError(`${where} holds a ${key.asymmetricKeyType ?? 'unknown'} key; a feed key is Ed25519 (make one with release feed keygen)`);
  return key;
}

export function parsePublicKey(base64: string, where: string): KeyObject {
  const raw = Buffer.from(base64.trim(), 'base64');
  if (raw.length !== 32) throw new UsageError(`${where}: a feed public key is the base64 of 32 bytes (release feed keygen prints it); this is ${raw.length} bytes`);
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** The text of releases.json.sig for these bytes. */
export function signIndex(bytes: Uint8Array, key: KeyObject): string {
  return `${sign(null, bytes, key).toString('base64')}\n`;
}

/** Whether `sigText` (releases.json.sig) is a valid signature of `bytes` by `key`. */
export function verifyIndex(bytes: Uint8Array, sigText: string, key: KeyObject): boolean {
  const sig = Buffer.from(sigText.trim(), 'base64');
  if (sig.length !== 64) return false;
  return verify(null, bytes, key.type === 'private' ? createPublicKey(key) : key, sig);
}

/**
 * The publisher's key: `--feed-key FILE` (a PEM file, best kept mode 0600), else WINSHIP_FEED_KEY.
 * Neither: a user error saying how to make one.
 */
export async function loadFeedKey(file: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<KeyObject> {
  if (file !== undefined) {
    const { readFile } = await import('node:fs/promises');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new UsageError(`--feed-key ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)}); make a key with: release feed keygen -o ${file}`);
    }
    return parsePrivateKey(text, `--feed-key ${file}`);
  }
  const value = env[FEED_KEY_ENV];
  if (value) return parsePrivateKey(value, FEED_KEY_ENV);
  throw new UsageError(`no feed key: releases.json is signed with it. Give it with --feed-key FILE or the ${FEED_KEY_ENV} environment variable; make one with: release feed keygen -o feed-key.pem`);
}
