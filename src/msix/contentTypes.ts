// [Content_Types].xml (Open Packaging Conventions): the MIME type of every part, by extension
// (Default) or by part name (Override), and whether makeappx compresses a file of that type.
// The table is the packaging SDK's (microsoft/msix-packaging src/msix/pack/ContentType.cpp):
// types Windows knows are written as Windows expects them, media and archives are stored.
//
// AppxSignature.p7x is not listed: the signing tool adds its Override when it signs (osslsigncode
// looks for `</Types>` and inserts the exact line before it; signtool does the same), and an
// unsigned package names no signature.

import { BLOCK_MAP_FILE, MANIFEST_FILE, partName } from './names.js';
import { xmlDocument } from './xml.js';

export const CONTENT_TYPES_NAMESPACE = 'http://schemas.openxmlformats.org/package/2006/content-types';
export const MANIFEST_CONTENT_TYPE = 'application/vnd.ms-appx.manifest+xml';
export const BLOCK_MAP_CONTENT_TYPE = 'application/vnd.ms-appx.blockmap+xml';
export const SIGNATURE_CONTENT_TYPE = 'application/vnd.ms-appx.signature';
const OCTET_STREAM = 'application/octet-stream';

/** [content type, stored uncompressed] by lower-case extension. */
const BY_EXTENSION: Readonly<Record<string, readonly [string, boolean]>> = {
  atom: ['application/atom+xml', false],
  appx: ['application/vnd.ms-appx', true],
  msix: ['application/msix', true],
  b64: ['application/base64', false],
  cab: ['application/vnd.ms-cab-compressed', true],
  doc: ['application/msword', false],
  dot: ['application/msword', false],
  docm: ['application/vnd.ms-word.document.macroenabled.12', true],
  docx: ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', true],
  dll: ['application/x-msdownload', false],
  dtd: ['application/xml-dtd', false],
  exe: ['application/x-msdownload', false],
  gz: ['application/x-gzip-compressed', true],
  java: ['application/java', false],
  json: ['application/json', false],
  p7s: ['application/x-pkcs7-signature', false],
  pdf: ['application/pdf', false],
  ps: ['application/postscript', false],
  pptx: ['application/vnd.openxmlformats-officedocument.presentationml.presentation', true],
  rar: ['application/x-rar-compressed', true],
  rss: ['application/rss+xml', false],
  soap: ['application/soap+xml', false],
  tar: ['application/x-tar', true],
  xaml: ['application/xaml+xml', false],
  xhtml: ['application/xhtml+xml', false],
  xls: ['application/vnd.ms-excel', false],
  xlsx: ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', true],
  xsl: ['application/xslt+xml', false],
  xslt: ['application/xslt+xml', false],
  zip: ['application/x-zip-compressed', true],
  '7z': ['application/x-7z-compressed', true],
  zst: ['application/zstd', true],
  xz: ['application/x-xz', true],
  bz2: ['application/x-bzip2', true],
  c: ['text/plain', false],
  cpp: ['text/plain', false],
  cs: ['text/plain', false],
  css: ['text/css', false],
  csv: ['text/csv', false],
  go: ['text/plain', false],
  h: ['text/plain', false],
  htm: ['text/html', false],
  html: ['text/html', false],
  js: ['application/x-javascript', false],
  md: ['text/markdown', false],
  rtf: ['text/richtext', false],
  txt: ['text/plain', false],
  xml: ['text/xml', false],
  xsd: ['text/xml', false],
  yaml: ['application/yaml', false],
  yml: ['application/yaml', false],
  aiff: ['audio/x-aiff', false],
  au: ['audio/basic', false],
  m4a: ['audio/mp4', true],
  mid: ['audio/mid', false],
  mp3: ['audio/mpeg', true],
  wav: ['audio/wav', false],
  wma: ['audio/x-ms-wma', true],
  bmp: ['image/bmp', false],
  gif: ['image/gif', true],
  ico: ['image/vnd.microsoft.icon', false],
  jpg: ['image/jpeg', true],
  jpeg: ['image/jpeg', true],
  png: ['image/png', true],
  svg: ['image/svg+xml', false],
  tif: ['image/tiff', false],
  tiff: ['image/tiff', false],
  webp: ['image/webp', true],
  avi: ['video/avi', true],
  mp4: ['video/mp4', true],
  mpeg: ['video/mpeg', true],
  mpg: ['video/mpeg', true],
  mov: ['video/quicktime', true],
  wmv: ['video/x-ms-wmv', true],
  woff: ['font/woff', true],
  woff2: ['font/woff2', true],
};

/** The extension OPC matches a Default on (lower case), or undefined. */
function extensionOf(path: string): string | undefined {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 && dot < base.length - 1 ? base.slice(dot + 1).toLowerCase() : undefined;
}

export function contentTypeOf(path: string): string {
  const ext = extensionOf(path);
  return (ext && BY_EXTENSION[ext]?.[0]) || OCTET_STREAM;
}

/** Whether makeappx would deflate the file at `path` (media and archives are stored). */
export function compressesFile(path: string): boolean {
  const ext = extensionOf(path);
  return !(ext && BY_EXTENSION[ext]?.[1]);
}

/**
 * The content types of a package holding `payload` (install paths) plus the manifest and block
 * map: one Default per extension, an Override for a file without one, and the footprint files
 * by name. Their order follows the payload's (sorted by the caller), so the bytes are stable.
 */
export function renderContentTypes(payload: readonly string[]): string {
  const defaults = new Map<string, string>();
  const overrides: [string, string][] = [];
  for (const path of payload) {
    const ext = extensionOf(path);
    if (ext === undefined) overrides.push([`/${partName(path)}`, OCTET_STREAM]);
    else if (!defaults.has(ext)) defaults.set(ext, contentTypeOf(path));
  }
  overrides.push([`/${MANIFEST_FILE}`, MANIFEST_CONTENT_TYPE], [`/${BLOCK_MAP_FILE}`, BLOCK_MAP_CONTENT_TYPE]);
  return xmlDocument(
    {
      name: 'Types',
      attributes: { xmlns: CONTENT_TYPES_NAMESPACE },
      children: [
        ...[...defaults].map(([ext, type]) => ({ name: 'Default', attributes: { Extension: partName(ext), ContentType: type } })),
        ...overrides.map(([part, type]) => ({ name: 'Override', attributes: { PartName: part, ContentType: type } })),
      ],
    },
    { version: '1.0', encoding: 'UTF-8', standalone: 'yes' },
  );
}

