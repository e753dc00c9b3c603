import { z } from 'zod';
import { quotePosix } from '../../quoting/shell.js';

/**
 * Ground truth tests compliance, not the baseline value: a healer that fixes
 * drift with another compliant value (PermitRootLogin `no` where the snapshot
 * held `prohibit-password`) has healed. Revert still restores the snapshot.
 */

/** One value or a list of them, read as a list: `compliant: no` or `compliant: [no, prohibit-password]`. */
export function valueOrList<T extends z.ZodType<string>>(value: T) {
  return z.union([value, z.array(value).min(1)]).transform((given): string[] => (Array.isArray(given) ? given : [given]));
}

/**
 * A POSIX condition: true when `expression` (already shell syntax, e.g.
 * `"$v"`) is one of `values`, compared lower-case when `ignoreCase` (the
 * expression must then be lower-case already). Each value is quoted, so it
 * matches literally.
 */
export function isOneOf(expression: string, values: readonly string[], ignoreCase = false): string {
  const patterns = values.map((value) => quotePosix(ignoreCase ? value.toLowerCase() : value)).join('|');
  return `case ${expression} in ${patterns}) true ;; *) false ;; esac`;
}
