import { describe, expect, it } from 'vitest';
import { CLOCK_COMMAND } from '../../harness/engine/skew.js';
import { measureCommand } from '../../harness/observers/log-tail.js';
import { UTF8_PRELUDE } from '../../harness/quoting/powershell.js';
import { decodeClixml } from '../../harness/transport/clixml.js';
import { runInModel } from '../support/windows-model/run.js';

/**
 * ConstrainedLanguage (WDAC/AppLocker) refuses [Console], [Convert], Add-Type and
 * methods of non-core types. The checks, the UTF-8 prelude and the long-script
 * bootstrap run under it (windows-check-contract.test.ts runs them constrained);
 * the log tail cannot (it reads a file's NTFS id through Add-Type), so it says so
 * before anything is injected. Real pwsh, the language mode set as WDAC sets it.
 */
describe('ConstrainedLanguage', () => {
  it('the UTF-8 prelude runs constrained without touching [Console]', async () => {
    const run = await runInModel(`${UTF8_PRELUDE}Write-Output "prelude done: $($ExecutionContext.SessionState.LanguageMode)"`, { constrained: true });
    expect(run).toMatchObject({ exitCode: 0, stdout: 'prelude done: ConstrainedLanguage\n' });
  }, 300_000);

  it('the clock read for the skew measurement works constrained (no method call) and tells UTC milliseconds', async () => {
    const before = Date.now();
    const run = await runInModel(`${UTF8_PRELUDE}${CLOCK_COMMAND.powershell}`, { constrained: true });
    expect(run.exitCode).toBe(0);
    const hostMs = Number(run.stdout.trim());
    expect(hostMs).toBeGreaterThanOrEqual(before - 1000);
    expect(hostMs).toBeLessThanOrEqual(Date.now() + 1000);
  }, 300_000);

  it('the log tail names the language mode instead of failing on its first method call, and runs in FullLanguage', async () => {
    const script = `${UTF8_PRELUDE}${measureCommand('powershell', '/nonexistent/agent.log')}`;
    const constrained = await runInModel(script, { constrained: true });
    expect(constrained.exitCode).not.toBe(0);
    expect(decodeClixml(constrained.stderr)).toContain('the log observer cannot read files on this host: PowerShell runs in ConstrainedLanguage (WDAC/AppLocker)');
    const full = await runInModel(script);
    expect(full).toMatchObject({ exitCode: 0, stdout: '' });
  }, 300_000);
});
