// The XML of MSIX and App Installer files, written with fast-xml-parser's builder (the one the WiX
// sources use, loaded once: src/msi/wix/fxp.ts). Elements are plain data; values are escaped
// here, in one place, and a value XML 1.0 cannot carry (a control character) is refused.

import { escapeXml } from '../msi/wix/escape.js';
import { documentBuilder } from '../msi/wix/fxp.js';

export interface XmlElement {
  name: string;
  /** In the order they are written. An undefined value leaves the attribute out. */
  attributes?: Readonly<Record<string, string | number | boolean | undefined>>;
  children?: readonly XmlElement[];
  /** Text content (for elements without children). */
  text?: string;
}

/** Characters XML 1.0 has no way to write (tab, LF and CR are escaped as references). */
const UNWRITABLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

export class XmlValueError extends Error {
  override name = 'XmlValueError';
}

function value(where: string, v: string): string {
  if (UNWRITABLE.test(v)) throw new XmlValueError(`${where}: ${JSON.stringify(v)} holds a control character, which XML cannot carry`);
  return escapeXml(v);
}

type FxpNode = Record<string, unknown>;

function toNode(el: XmlElement): FxpNode {
  const attrs = Object.entries(el.attributes ?? {}).filter(([, v]) => v !== undefined);
  const node: FxpNode = {
    [el.name]: el.text !== undefined ? [{ '#text': value(el.name, el.text) }] : (el.children ?? []).map(toNode),
  };
  if (attrs.length) node[':@'] = Object.fromEntries(attrs.map(([k, v]) => [`@_${k}`, value(`${el.name}@${k}`, String(v))]));
  return node;
}

const builder = documentBuilder(); // value() escapes

/** A UTF-8 document: the XML declaration, 2-space indent, LF line ends, a final newline. */
export function xmlDocument(root: XmlElement, declaration: Record<string, string> = { version: '1.0', encoding: 'UTF-8' }): string {
  const doc = [{ '?xml': [{ '#text': '' }], ':@': Object.fromEntries(Object.entries(declaration).map(([k, v]) => [`@_${k}`, v])) }, toNode(root)];
  return `${(builder.build(doc) as string).trim()}\n`;
}
