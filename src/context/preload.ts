/** Start loading modules ahead of need (Stage.preload); a failure here is reported when they are used. */
export function preload(...loading: Promise<unknown>[]): void {
  for (const l of loading) l.catch(() => undefined);
}
