import { describe, expect, it } from 'vitest';
import { driftedWhen, notApplicableWhen } from '../../harness/faults/windows/common.js';
import { psCheck, psStepCheck } from '../../harness/quoting/powershell.js';
import { armCheck, readCheck } from '../../harness/transport/check-outcome.js';

const NONCE = '0123456789abcdef0123456789abcdef';
const result = (stdout: string, exitCode: number | null) => ({ stdout, stderr: '', exitCode, durationMs: 1 });
const marker = (rest: string, nonce = NONCE) => `chaoslab-check ${nonce} ${rest}`;

describe('readCheck: the verdict marker decides, the exit code is the fallback', () => {
  it('reads each verdict whatever the exit code became (powershell -c turns 2 into 1)', () => {
    expect(readCheck(result(`${marker('compliant')}\n`, 0), NONCE)).toEqual({ kind: 'compliant' });
    expect(readCheck(result(`${marker('drifted')}\r\n`, 1), NONCE)).toEqual({ kind: 'drifted' });
    expect(readCheck(result(`${marker('probe_error check failed: Access is denied.')}\n`, 1), NONCE)).toEqual({ kind: 'probe_error', detail: 'check failed: Access is denied.' });
    expect(readCheck(result(`${marker('applicable')}\n`, 0), NONCE)).toEqual({ kind: 'compliant' });
    expect(readCheck(result(`${marker("not_applicable GPO-managed: it's set")}\n`, 1), NONCE)).toEqual({ kind: 'drifted', detail: "GPO-managed: it's set" });
  });

  it('ignores a marker with another nonce (host output, an old run), and any marker when no nonce was sent', () => {
    const forged = `${marker('compliant', 'ffffffffffffffffffffffffffffffff')}\n`;
    expect(readCheck(result(forged, 1), NONCE)).toEqual({ kind: 'drifted' });
    expect(readCheck(result(forged, 2), NONCE).kind).toBe('probe_error');
    expect(readCheck(result(`${marker('compliant')}\n`, 1))).toEqual({ kind: 'drifted' });
  });

  it('the last marker of the run counts: output before it cannot override it', () => {
    const stdout = `agent log: ${marker('compliant')}\nsomething\n${marker('drifted')}\n`;
    expect(readCheck(result(stdout, 1), NONCE)).toEqual({ kind: 'drifted' });
  });

  it('falls back to the exit code without a marker: 0, 1, else could not tell', () => {
    expect(readCheck(result('', 0), NONCE)).toEqual({ kind: 'compliant' });
    expect(readCheck(result('', 1), NONCE)).toEqual({ kind: 'drifted' });
    expect(readCheck(result('', null), NONCE).kind).toBe('probe_error');
    expect(readCheck(result(marker('maybe'), 3), NONCE).kind).toBe('probe_error');
  });
});

describe('armCheck: a fresh nonce for every run of a marker-printing check', () => {
  const check = psCheck(driftedWhen('$true'));

  it('assigns the nonce in a line before the check, hex only', () => {
    const armed = armCheck(check);
    expect(armed.nonce).toMatch(/^[0-9a-f]{32}$/);
    expect(armed.script).toBe(`$ChaoslabCheckNonce = '${armed.nonce}'\n${check}`);
    expect(armCheck(check).nonce).not.toBe(armed.nonce);
  });

  it('arms the library\'s helpers and a scenario\'s own check; leaves POSIX and marker-less scripts alone', () => {
    expect(armCheck(notApplicableWhen({ when: '$false', reason: 'r' })).nonce).toBeDefined();
    expect(armCheck(psStepCheck('exit 0')).nonce).toBeDefined();
    expect(armCheck('test -e /etc/passwd')).toEqual({ script: 'test -e /etc/passwd' });
    expect(armCheck('exit 0')).toEqual({ script: 'exit 0' });
  });
});
