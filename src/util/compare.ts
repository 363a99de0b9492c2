/**
 * Ordinal string order (UTF-16 code units): the same on every machine, whatever LANG says.
 * localeCompare depends on the ICU locale (under da_DK "aa" sorts after "y"), which would make
 * artifacts.json and derived codes differ between machines.
 */
export function compareOrdinal(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
