import { z } from 'zod';
import { sh } from '../../quoting/shell.js';

/**
 * Exact file snapshots for revert: `present <mode> <uid>:<gid> <base64>` or
 * `absent`. Restoring writes the bytes back through `>` (same inode: bind-mounted
 * files such as /etc/resolv.conf stay mounted) and then sets owner and mode.
 */
export function snapshotFile(path: string): string {
  return sh`if [ -e ${path} ]; then printf 'present %s %s ' "$(stat -c %a ${path})" "$(stat -c %u:%g ${path})"; base64 -w0 < ${path}; else echo absent; fi`;
}

const SNAPSHOT = /^present ([0-7]{3,4}) (\d+:\d+) ([A-Za-z0-9+/=]*)$/;

export function restoreFile(path: string, snapshot: string): string {
  if (snapshot === 'absent') return sh`rm -f ${path}`;
  const match = SNAPSHOT.exec(snapshot);
  if (!match) throw new Error(`snapshot of ${path} is not in the expected form (present MODE UID:GID BASE64 | absent)`);
  const [, mode, owner, data] = match as unknown as [string, string, string, string];
  return sh`printf %s ${data} | base64 -d > ${path} && chown ${owner} ${path} && chmod ${mode} ${path}`;
}

/** An absolute path without shell-significant surprises (a parameter, but also a footprint entry). */
export const absolutePath = z.string().regex(/^\/[A-Za-z0-9._\/-]+$/, 'must be an absolute path of letters, digits, ".", "_", "-" and "/"');

export const octalMode = z.string().regex(/^[0-7]{3,4}$/, 'must be an octal mode like 644 or 0640');

/** `stat -c %a` prints 640, not 0640: compare modes in that form. */
export function statMode(mode: string): string {
  return mode.replace(/^0+(?=[0-7]{3}$)/, '');
}

/** Stops/starts a service the way the host does it: systemd, the lab image's lab-service, or SysV `service`. */
export function serviceCommand(action: 'start' | 'stop', service: string): string {
  return sh`if [ -d /run/systemd/system ]; then systemctl ${action} ${service}; elif command -v lab-service >/dev/null; then lab-service ${action} ${service}; else service ${service} ${action}; fi`;
}
