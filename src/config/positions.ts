import { isMap, isScalar, type Document, type LineCounter, type Node } from 'yaml';

// Where a setting is written in release.yaml, for messages: `release.yaml:12:11: msi.shortcut.target`.
// Checks that run after loading (the preflight of each stage) point at the key they are about
// with these, as the schema's own errors do.

export type KeyPath = readonly PropertyKey[];

/** `builds[0].targets[1]` */
export function formatKeyPath(path: KeyPath): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
}

/** line:col of the node at `path` (of its key with `atKey`), or of its nearest existing ancestor. */
export function positionOf(doc: Document, path: KeyPath, lc: LineCounter, atKey = false): string {
  for (let len = path.length; len >= 0; len--) {
    const sub = path.slice(0, len) as unknown[];
    let node: Node | undefined;
    if (atKey && len === path.length && len > 0) {
      const parent = sub.length > 1 ? doc.getIn(sub.slice(0, -1), true) : doc.contents;
      if (isMap(parent)) {
        const pair = parent.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === sub.at(-1));
        node = pair?.key as Node | undefined;
      }
    } else {
      node = (len === 0 ? doc.contents : doc.getIn(sub, true)) as Node | undefined;
    }
    const offset = node?.range?.[0];
    if (offset !== undefined) {
      const { line, col } = lc.linePos(offset);
      return `${line}:${col}`;
    }
  }
  return '1:1';
}

/** Positions of the keys of one loaded release.yaml. */
export interface ConfigPositions {
  /**
   * `release.yaml:12:11: msi.shortcut.target`: where the value at `path` is written, or, for a
   * key left out (a default), where its nearest written parent is.
   */
  at(path: KeyPath): string;
  /** Whether `path` is written in release.yaml (not a default). */
  has(path: KeyPath): boolean;
}

export function configPositions(doc: Document, lc: LineCounter, fileName: string): ConfigPositions {
  return {
    at: (path) => `${fileName}:${positionOf(doc, path, lc)}: ${formatKeyPath(path)}`,
    has: (path) => doc.hasIn(path as unknown[]),
  };
}

/** For a config not read from a file (tests, built in code): the key path alone. */
export function noPositions(fileName = 'release.yaml'): ConfigPositions {
  return { at: (path) => `${fileName}: ${formatKeyPath(path)}`, has: () => false };
}
