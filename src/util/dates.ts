// Dates as tools print them. osslsigncode (OpenSSL's ASN1_TIME_print, "Nov  3 08:39:50 2026 GMT")
// and signtool ("Sat Feb 13 14:41:49 2021") both write C asctime's order: English month
// abbreviation, day, time, year. Each parser keeps its own pattern (the prefixes, suffixes and
// zones differ); the month names and the step from the fields to a Date are here.

/** English month abbreviations, January first, as the C library and OpenSSL print them. */
export const MONTH_ABBREVIATIONS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** 0 for "Jan" … 11 for "Dec", as Date counts months; undefined for anything else (case counts). */
export function monthIndex(abbreviation: string): number | undefined {
  const i = (MONTH_ABBREVIATIONS as readonly string[]).indexOf(abbreviation);
  return i < 0 ? undefined : i;
}

/**
 * The Date of asctime-ordered fields as a pattern captured them: month abbreviation, day, hours,
 * minutes, seconds, year. `zone`: 'utc' when the tool printed UTC (OpenSSL's "GMT"), 'local'
 * when it printed this machine's local time without a zone (signtool). Undefined for an unknown
 * month.
 */
export function dateFromAsctimeFields(fields: readonly string[], zone: 'utc' | 'local'): Date | undefined {
  const [monthName = '', day, hours, minutes, seconds, year] = fields;
  const month = monthIndex(monthName);
  if (month === undefined) return undefined;
  const parts = [Number(year), month, Number(day), Number(hours), Number(minutes), Number(seconds)] as const;
  return zone === 'utc' ? new Date(Date.UTC(...parts)) : new Date(...parts);
}
