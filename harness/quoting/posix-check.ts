/** What a POSIX check exits with when it could not tell (the check contract: 0 compliant, 1 drifted, else a probe error). */
export const POSIX_PROBE_ERROR_EXIT = 2;

/**
 * Reads the value a check compares into `$value`. `test "$(cmd)" = x` would
 * read a failed `cmd` (missing file, unknown sysctl) as an empty value, i.e.
 * drift; here a failed read exits 2 (a probe error) and says why on stderr.
 * `command` must already be quoted for sh (built with the `sh` template).
 */
export function posixReadValue(command: string): string {
  return `value=$(${command}) || { echo "check failed: reading the value exited $?" >&2; exit ${POSIX_PROBE_ERROR_EXIT}; }`;
}
