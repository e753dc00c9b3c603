/**
 * Reports hold what lab hosts printed, commands and evidence: by default only
 * the user who ran chaoslab may read them (folders 0700, files 0600, through
 * the process umask, so every file any reporter writes is covered).
 * `--shared-reports` keeps the usual 0755/0644, e.g. for CI artifacts that
 * another account uploads.
 */
export const SHARED_REPORTS_FLAG = '--shared-reports';
export const SHARED_REPORTS_HELP = 'make report folders and files readable by other users (0755/0644, e.g. for CI artifacts); by default they are private (0700/0600)';

export function setReportPermissions(shared: boolean | undefined): void {
  process.umask(shared ? 0o022 : 0o077);
}
