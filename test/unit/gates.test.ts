import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../harness/core/exit-codes.js';
import { loadDocument } from '../../harness/config/load-file.js';
import { ChaoslabError, formatIssue } from '../../harness/core/errors.js';
import { FAIL_ON_KINDS } from '../../harness/config/fail-on.js';
import { evaluateGates, gateExitCode, parseFailOn, parseHealRate, parseMaxInconclusive } from '../../harness/history/gates.js';
import { VERDICT_KINDS } from '../../harness/model/verdict.js';
import { catalogueRun } from '../fixtures/runs/catalogue.js';
import { RESIDUE_SCAN_EVENTS, residueScanFixture, withResidueScan } from '../fixtures/runs/residue.js';

const current = catalogueRun('current');
const baseline = catalogueRun('baseline');

describe('gates', () => {
  it('passes when no gate is set', () => {
    const result = evaluateGates(current, {});
    expect(result).toEqual({ ok: true, failures: [] });
    expect(gateExitCode(result)).toBe(ExitCode.ok);
  });

  it('compares the heal rate with passed / scored, inconclusive attempts left out', () => {
    expect(evaluateGates(current, { minHealRate: 0.7 }).ok).toBe(true);
    const failed = evaluateGates(current, { minHealRate: 0.8 });
    expect(failed.failures).toEqual([{ gate: 'min_heal_rate', message: 'heal rate 71.4% (10/14) is below 80%' }]);
    expect(gateExitCode(failed)).toBe(ExitCode.expectationFailed);
  });

  it('fails on too many inconclusive attempts and names the reasons', () => {
    expect(evaluateGates(current, { maxInconclusive: 2 }).ok).toBe(true);
    expect(evaluateGates(current, { maxInconclusive: 1 }).failures[0]?.message).toBe('2 inconclusive attempts (transport_lost 1, injection_not_applied 1), at most 1 allowed');
  });

  it('fails on regressions against the baseline, and says so when there is no baseline', () => {
    const result = evaluateGates(current, { failOn: ['regression'] }, { baseline });
    expect(result.failures).toEqual([{ gate: 'fail_on:regression', message: '2 regressions against 20261119-020000-nightly: lin-ip-forward@lab-lin-1, lin-ssh-password-auth@lab-lin-1' }]);
    expect(evaluateGates(baseline, { failOn: ['regression'] }, { baseline }).ok).toBe(true);
    expect(evaluateGates(current, { failOn: ['regression'] }).failures[0]?.message).toMatch(/needs a baseline/);
  });

  it('fails on named verdicts', () => {
    const result = evaluateGates(current, { failOn: ['false_heal', 'silent_heal'] });
    expect(result.failures).toEqual([{ gate: 'fail_on:false_heal', message: '1 false_heal attempt: win-ws-firewall@lab-ws-1' }]);
  });

  it('parses gate options and rejects bad ones with a usage error', () => {
    expect(parseFailOn('regression, false_heal')).toEqual(['regression', 'false_heal']);
    expect(() => parseFailOn('regression,healed')).toThrow(/unknown healed \(known: regression, flaky, healed_late/);
    expect(parseHealRate('0.8')).toBe(0.8);
    expect(parseHealRate('75%')).toBe(0.75);
    expect(() => parseHealRate('1.5')).toThrow(ChaoslabError);
    expect(parseMaxInconclusive('3')).toBe(3);
    expect(() => parseMaxInconclusive('-1')).toThrow(/whole number/);
  });
});

describe('the residue gate', () => {
  it('fails when the residue scan found drift, naming scenario and host', () => {
    const result = evaluateGates(withResidueScan(current), { failOn: ['residue'] });
    expect(result.failures).toEqual([{ gate: 'fail_on:residue', message: '2 residues found on the lab after the run: lin-persist-cron@lab-lin-1, lin-ip-forward@lab-lin-1' }]);
    expect(gateExitCode(result)).toBe(ExitCode.expectationFailed);
  });

  it('passes on a clean scan, and checks that could not run (unknown) never fail it', () => {
    const unknownOnly = residueScanFixture(RESIDUE_SCAN_EVENTS.filter((e) => !(e.type === 'residue_check' && e.status === 'residue')));
    expect(evaluateGates(withResidueScan(current, unknownOnly), { failOn: ['residue'] })).toEqual({ ok: true, failures: [] });
  });

  it('says so when the run has no scan to judge', () => {
    expect(evaluateGates(current, { failOn: ['residue'] }).failures[0]?.message).toMatch(/needs the residue scan.*--no-residue-scan/);
  });

  it('is one of the --fail-on kinds', () => {
    expect(parseFailOn('residue,false_heal')).toEqual(['residue', 'false_heal']);
  });
});

describe('the --fail-on kinds', () => {
  it('are every verdict but healed and skipped, between the run-wide kinds', () => {
    const failingVerdicts = VERDICT_KINDS.filter((kind) => kind !== 'healed' && kind !== 'skipped');
    expect(FAIL_ON_KINDS).toEqual(['regression', 'flaky', ...failingVerdicts, 'residue', 'known-gap', 'fixed-gap']);
  });
});

describe('a suite\'s fail_on', () => {
  const suiteWith = (failOn: string) => loadDocument('suite.yaml', `kind: suite\nid: nightly\ninclude: ['*']\ngates: { fail_on: ${failOn} }\n`, 'suite');

  it('accepts every kind the CLI\'s --fail-on accepts', () => {
    const everyKind = parseFailOn(FAIL_ON_KINDS.join(','));
    const result = suiteWith(`[${everyKind.join(', ')}]`);
    expect(result.issues).toBeUndefined();
    expect(result.document?.kind === 'suite' && result.document.config.gates?.fail_on).toEqual(everyKind);
    expect(suiteWith('[healed_late, not_healed]').issues).toBeUndefined();
  });

  it('refuses what the CLI refuses, listing the same kinds', () => {
    expect(() => parseFailOn('healed')).toThrow(ChaoslabError);
    const problems = (suiteWith('[healed]').issues ?? []).map(formatIssue);
    expect(problems).toHaveLength(1);
    for (const kind of FAIL_ON_KINDS) expect(problems[0]).toContain(kind);
  });
});
