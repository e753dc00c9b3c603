import { randomBytes } from 'node:crypto';
import { quotePosix } from '../quoting/shell.js';

/**
 * Stopping a POSIX command reliably. OpenSSH refuses `signal` channel requests
 * for root logins (no privilege-separated child after auth: "session signalling
 * requires privilege separation"), and closing a channel without a pty does not
 * stop the command. So every command runs under `/bin/sh -c` with a marker in
 * its environment, which every process it starts inherits and keeps across exec;
 * a timeout or abort then kills every process carrying the marker, from a
 * second channel, by reading /proc/<pid>/environ (Linux). Commands that cannot
 * be abandoned (no timeout, no signal) are sent as they are, to the login shell.
 */
const MARKER_VARIABLE = 'CHAOSLAB_RUN';

export function newRunId(): string {
  return randomBytes(12).toString('hex');
}

export function markedPosixCommand(command: string, runId: string): string {
  // export + exec: the new shell starts with the marker in its own environ, at the cost of one exec.
  return `export ${MARKER_VARIABLE}=${runId}; exec /bin/sh -c ${quotePosix(command)}`;
}

/**
 * Kills every process whose environment holds one of the markers; two rounds
 * catch a child forked while the first round ran. The killing shell and grep
 * carry the markers only in their arguments, never in their environment, so
 * they survive.
 */
export function killMarkedCommand(runIds: readonly string[]): string {
  const patterns = runIds.map((runId) => `-e ${MARKER_VARIABLE}=${runId}`).join(' ');
  const find = `grep -lsxzF ${patterns} /proc/[0-9]*/environ | sed 's#^/proc/##; s#/environ$##'`;
  return `for round in 1 2; do pids=$(${find}); [ -n "$pids" ] && kill -KILL $pids 2>/dev/null; done; true`;
}

/**
 * One command for a persistent shell (see ssh-shell-pool.ts): a fresh
 * `/bin/sh -c` child with the marker in its environment only (the persistent
 * shell itself never carries it, so the killer spares it), then the end token
 * with the status on stdout and the token on stderr.
 */
export function markedShellLine(command: string, runId: string, token: string): string {
  const end = quotePosix(token);
  return `${MARKER_VARIABLE}=${runId} /bin/sh -c ${quotePosix(command)} </dev/null; printf '%s%s\\n' ${end} "$?"; printf '%s\\n' ${end} >&2\n`;
}
