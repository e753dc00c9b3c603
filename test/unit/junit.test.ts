import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { RunModel } from '../../harness/model/run-model.js';
import { createJunitReporter, renderJunit } from '../../reporters/junit.js';
import { buildAttempt, type AttemptSpec } from '../fixtures/runs/build-attempt.js';
import { CATALOGUE, catalogueRun } from '../fixtures/runs/catalogue.js';
import { syntheticRun } from '../fixtures/runs/synthetic.js';
import { tempDir } from '../support/tmp.js';

const XSD = join(import.meta.dirname, '../fixtures/junit/junit.xsd');
/** Jenkins xUnit's schema: no <properties> in a <testcase>, no skipped/timestamp on <testsuites>. */
const JENKINS_XSD = join(import.meta.dirname, '../fixtures/junit/junit-10.xsd');

/** Validates with libxml2's xmllint (Debian's libxml2-utils): returns its exit status and messages. */
async function validate(xml: string, xsd = XSD): Promise<{ status: number; output: string }> {
  await using dir = await tempDir('chaoslab-junit-');
  const file = join(dir.path, 'junit.xml');
  writeFileSync(file, xml);
  const result = spawnSync('xmllint', ['--noout', '--schema', xsd, file], { encoding: 'utf8' });
  return { status: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

const current = catalogueRun('current');

describe('junit reporter', () => {
  // Rendered inside each test, not while the file is collected: mutation testing can then tell which tests read which code.
  let xml: string;
  beforeEach(() => {
    xml = renderJunit(current, [catalogueRun('baseline')]);
  });

  it('is valid against the JUnit XML schema', async () => {
    const result = await validate(xml);
    expect(result.output).toMatch(/validates/);
    expect(result.status).toBe(0);
  });

  it('is valid against the Jenkins xUnit schema (junit-10.xsd)', async () => {
    const result = await validate(xml, JENKINS_XSD);
    expect(result.output).toMatch(/validates/);
    expect(result.status).toBe(0);
  });

  it('the Jenkins schema check is real: it rejects <properties> inside a <testcase>', async () => {
    const broken = xml.replace(/(<testcase [^>]*>\n)/, '$1      <properties><property name="verdict" value="healed"/></properties>\n');
    const result = await validate(broken, JENKINS_XSD);
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/properties/);
  });

  it('the schema check is real: it rejects a test case without a classname', async () => {
    const broken = xml.replace(/ classname="[^"]*"/, '');
    const result = await validate(broken);
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/classname.*required/);
  });

  it('gives the whole run its wall time, and each suite the wall time its attempts span (not their sum)', () => {
    expect(xml).toMatch(new RegExp(`<testsuites [^>]* time="${(current.durationMs! / 1000).toFixed(3)}"`));
    const linux = current.attempts.filter((a) => a.host === 'lab-lin-1');
    const span = Math.max(...linux.map((a) => a.endedAt!)) - Math.min(...linux.map((a) => a.startedAt));
    expect(xml).toMatch(new RegExp(`<testsuite name="linux/lab-lin-1" [^>]* time="${(span / 1000).toFixed(3)}"`));
  });

  it('counts one test case per attempt, suites per platform and host', () => {
    expect(xml).toMatch(/<testsuites name="chaoslab 20261120-020000-nightly \(catalogue-16\)" tests="16" failures="4" errors="2" time=/);
    expect(xml.match(/<testcase /g)).toHaveLength(16);
    expect(xml.match(/<testsuite /g)).toHaveLength(5);
    expect(xml).toMatch(/<testsuite name="windows\/lab-dc-1" tests="3" failures="1" errors="1" skipped="0"/);
  });

  it('explains failures with the cause line as the message, then verdict, expected outcome, SLA and timings', () => {
    expect(xml).toContain('<failure type="healed_late" message="restored at 6m20s, after the 5m SLA">');
    expect(xml).toContain('<failure type="not_healed" message="detected at 55s, no claim in 9m">');
    expect(xml).toMatch(/<failure type="false_heal" message="claimed at 2m20s, host still drifted at 9m">claimed at 2m20s, host still drifted at 9m\nfalse_heal \(claimed 2m20s, host still drifted\)\nexpected: heal L1 RB-WIN-SEC-001\ndetected: 45s after injection\nclaimed: 2m20s after injection\nrestored: never\nSLA 3m, window 9m, hold 30s/);
  });

  it('reports inconclusive attempts as errors with their reason, kept out of failures', () => {
    expect(xml).toMatch(/<error type="inconclusive.transport_lost" message="inconclusive \(transport_lost\): WinRM operation timed out/);
    expect(xml).toMatch(/<error type="inconclusive.injection_not_applied"/);
  });

  it('carries tier, runbook and check type as properties, and flags mismatches', () => {
    const suid = xml.slice(xml.indexOf('<testcase name="lin-suid"'), xml.indexOf('</testcase>', xml.indexOf('<testcase name="lin-suid"')));
    expect(suid).toMatch(/^tier: L1$/m);
    expect(suid).toMatch(/^observed_tier: L2$/m);
    expect(suid).toMatch(/^check_type: suid_binaries$/m);
    expect(suid).not.toContain('<failure');
  });

  it('maps skipped attempts to <skipped>, flags flaky ones, and survives hostile output', async () => {
    const synthetic = syntheticRun({ attempts: 120, hosts: 6, repeats: 3, seed: 3 });
    const first = synthetic.attempts[0]!;
    const hostile: RunModel = {
      ...synthetic,
      attempts: [{ ...first, commands: [{ ...first.commands[0]!, stdout: 'bell \x07 nul \x00 ]]> </system-out> & "quotes"', command: "echo '<b>&amp;</b>'" }] }, ...synthetic.attempts.slice(1)],
    };
    const out = renderJunit(hostile);
    expect(out).toMatch(/<skipped message="filtered: does not match --grep [^"]+"\/>/);
    expect(out).toMatch(/^flaky: \d different verdicts over 3 repeats$/m);
    expect(out).toContain('bell \uFFFD nul \uFFFD ]]&gt; &lt;/system-out&gt; &amp; &quot;quotes&quot;');
    expect((await validate(out)).status).toBe(0);
  });

  it('names a repeat only from the second on, counting from 1 as the planner does (a test keeps its CI history)', () => {
    const repeated = renderJunit(syntheticRun({ attempts: 6, hosts: 2, repeats: 3, seed: 3 }));
    const names = [...repeated.matchAll(/<testcase name="([^"]+)"/g)].map((m) => m[1]!);
    const scenario = names[0]!;
    expect(names.filter((n) => n.startsWith(scenario))).toEqual([scenario, `${scenario} #2`, `${scenario} #3`]);
    expect(names.some((n) => n.includes('#1'))).toBe(false);
  });
});

describe('junit counts with skipped attempts', () => {
  /** Attempts as the engine records them: a skip names the scenario's target when no host was picked. */
  const at = (scenarioId: string, host: string, outcome: AttemptSpec['outcome'], extra: Partial<AttemptSpec> = {}) =>
    buildAttempt({ ...CATALOGUE[scenarioId]!, host, outcome, ...extra }, `${scenarioId}@${host}#1`, 0);
  const run = (): RunModel => ({
    ...current,
    attempts: [
      at('lin-ssh-root-login', 'lab-lin-1', 'healed', { detectS: 5, claimS: 20, restoreS: 21 }),
      at('lin-ip-forward', 'lab-lin-1', 'not_healed', { detectS: 5 }),
      at('lin-audit', 'lab-lin-1', { inconclusive: 'transport_lost', detail: 'ssh connection reset' }),
      at('lin-suid', 'lab-lin-1', { skipped: 'filtered', detail: 'does not match --grep ssh' }),
      at('lin-cron-perms', 'lab-lin-1', { skipped: 'no_matching_host', detail: 'no linux host of lab lab is named or has the role "cron" (roles: linux)' }),
      at('win-dc-dns', 'windows', { skipped: 'platform_unavailable', detail: 'lab lab has no windows host' }),
    ],
  });

  it('counts skipped attempts as skipped, never as failures or errors, in the run and in each suite', () => {
    const out = renderJunit(run());
    expect(out).toMatch(/<testsuites [^>]*tests="6" failures="1" errors="1"/);
    expect(out).toMatch(/<testsuite name="linux\/lab-lin-1" tests="5" failures="1" errors="1" skipped="2"/);
    expect(out).toMatch(/<testsuite name="windows\/windows" tests="1" failures="0" errors="0" skipped="1"/);
  });

  it('gives a skipped test case only <skipped> with its reason, no failure or error', () => {
    const out = renderJunit(run());
    const testcase = (name: string) => out.slice(out.indexOf(`<testcase name="${name}"`), out.indexOf('</testcase>', out.indexOf(`<testcase name="${name}"`)));
    for (const [name, message] of [
      ['lin-suid', 'filtered: does not match --grep ssh'],
      ['lin-cron-perms', 'no_matching_host: no linux host of lab lab is named or has the role &quot;cron&quot; (roles: linux)'],
      ['win-dc-dns', 'platform_unavailable: lab lab has no windows host'],
    ]) {
      expect(testcase(name!)).toContain(`<skipped message="${message}"/>`);
      expect(testcase(name!)).not.toMatch(/<failure|<error/);
    }
    expect(testcase('lin-ip-forward')).toContain('<failure type="not_healed"');
    expect(testcase('lin-audit')).toContain('<error type="inconclusive.transport_lost"');
    expect(testcase('lin-ssh-root-login')).not.toMatch(/<failure|<error|<skipped/);
  });

  it('names a first attempt by its scenario alone and a repeat by its number, as the engine counts them (from 1)', () => {
    const first = at('lin-ssh-root-login', 'lab-lin-1', 'healed', { detectS: 5, claimS: 20, restoreS: 21, repeatIndex: 1 });
    const second = at('lin-ssh-root-login', 'lab-lin-1', 'healed', { detectS: 5, claimS: 20, restoreS: 21, repeatIndex: 2 });
    const out = renderJunit({ ...current, attempts: [first, second] });
    expect(out.match(/<testcase name="[^"]*"/g)).toEqual(['<testcase name="lin-ssh-root-login"', '<testcase name="lin-ssh-root-login #2"']);
  });

  it('is valid JUnit XML with skips', async () => {
    expect((await validate(renderJunit(run()))).status).toBe(0);
  });
});

describe('junit record of one attempt', () => {
  const healed = () =>
    buildAttempt(
      { ...CATALOGUE['lin-firewall']!, outcome: 'healed', detectS: 5, claimS: 20, restoreS: 21, rejected: [{ source: 'agent-log', reason: 'stale', detail: 'event at x is 5ms before', raw: {} }] },
      'lin-firewall@lab-lin-2#1',
      1000,
    );

  it('carries the suite, its properties, the test case, its facts and every command, signal and rejection', () => {
    const out = renderJunit({ ...current, shard: '2/3', attempts: [healed()] });
    expect(out).toBe(`<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="chaoslab 20261120-020000-nightly (catalogue-16)" tests="1" failures="0" errors="0" time="4069.500">
  <testsuite name="linux/lab-lin-2" tests="1" failures="0" errors="0" skipped="0" time="54.200" timestamp="2026-11-20T02:00:01.000Z" hostname="lab-lin-2" id="0" package="chaoslab.linux">
    <properties>
      <property name="run_id" value="20261120-020000-nightly"/>
      <property name="lab" value="lab/nightly.yaml"/>
      <property name="platform" value="linux"/>
      <property name="shard" value="2/3"/>
    </properties>
    <testcase name="lin-firewall" classname="chaoslab.linux.lab-lin-2" time="54.200">
      <system-out>verdict: healed
expected_outcome: heal
check_type: firewall
sla_ms: 300000
tier: L1
runbook: L1-LIN-FW-001
observed_tier: L1
observed_runbook: L1-LIN-FW-001
category: firewall
tags: linux,firewall
restore_ms: 21000
[preflight] exit 0 (340ms): iptables -S INPUT | grep -q -- &apos;-P INPUT DROP&apos;
[snapshot] exit 0 (340ms): iptables -S INPUT | grep -q -- &apos;-P INPUT DROP&apos;
  stdout: baseline captured
[inject] exit 0 (180ms): iptables-save &gt; /var/lib/chaoslab/fw.rules &amp;&amp; iptables -P INPUT ACCEPT &amp;&amp; iptables -F INPUT
[check] exit 1 (340ms): iptables -S INPUT | grep -q -- &apos;-P INPUT DROP&apos;
  stdout: drifted
[check] exit 0 (340ms): iptables -S INPUT | grep -q -- &apos;-P INPUT DROP&apos;
[revert] exit 0 (300ms): iptables-restore &lt; /var/lib/chaoslab/fw.rules
[check] exit 0 (340ms): iptables -S INPUT | grep -q -- &apos;-P INPUT DROP&apos;
[signal] detected from agent-log at 5.0s runbook L1-LIN-FW-001 tier L1
[signal] claimed_healed from agent-log at 20s runbook L1-LIN-FW-001 tier L1
[rejected] stale from agent-log: event at x is 5ms before</system-out>
    </testcase>
  </testsuite>
</testsuites>
`);
  });

  it('clips long outputs, shows stderr and transport errors, names the bundle, and never has a negative time', () => {
    const base = healed();
    const attempt = {
      ...base,
      bundleId: 'cascade',
      endedAt: base.startedAt - 500,
      commands: [{ ...base.commands[0]!, exitCode: null, stdout: 'x'.repeat(2001), stderr: 'permission denied', error: 'TRANSPORT_TIMEOUT after 30s' }],
      signals: [],
      rejectedSignals: [],
    };
    const out = renderJunit({ ...current, attempts: [attempt] });
    expect(out).toContain('<testcase name="lin-firewall [cascade]" classname="chaoslab.linux.lab-lin-2" time="0.000">');
    expect(out).toMatch(/^bundle: cascade$/m);
    expect(out).toContain(`[preflight] exit none (340ms) error: TRANSPORT_TIMEOUT after 30s: iptables -S INPUT | grep -q -- &apos;-P INPUT DROP&apos;\n  stdout: ${'x'.repeat(2000)}… (1 more characters in events.jsonl)\n  stderr: permission denied</system-out>`);
    // the run's wall time, not a sum of attempt durations (issue: concurrent attempts summed to 600 s for a 69 s run)
    expect(out).toMatch(/<testsuites [^>]* time="4069\.500"/);
    expect(out).toMatch(/<testsuite name="linux\/lab-lin-2"[^>]* time="0\.000"/);
  });
});

describe('junit reporter output', () => {
  it('writes junit.xml into the run directory, rendered with the run history (flaky scenarios)', async () => {
    await using dir = await tempDir('chaoslab-junit-out-');
    const history = [catalogueRun('baseline')];
    const files = await createJunitReporter({ outputDir: dir.path, reportsRoot: dir.path, stdout: process.stdout, history }).onRunEnd!(current);
    expect(files).toEqual([join(dir.path, 'junit.xml')]);
    expect(readFileSync(join(dir.path, 'junit.xml'), 'utf8')).toBe(renderJunit(current, history));
  });

  it('orders suites by platform and host, numbers them from 0, and stamps each with its first attempt', () => {
    const xml = renderJunit(current);
    const suites = [...xml.matchAll(/<testsuite name="([^"]+)"[^>]* timestamp="([^"]+)"[^>]* id="(\d+)"/g)].map((m) => [m[1], m[3]]);
    expect(suites).toEqual([...suites].sort(([a], [b]) => a!.localeCompare(b!)).map(([name], i) => [name, String(i)]));
    const first = Math.min(...current.attempts.filter((a) => a.host === 'lab-lin-1').map((a) => a.startedAt));
    expect(xml).toMatch(new RegExp(`<testsuite name="linux/lab-lin-1"[^>]* timestamp="${new Date(current.startedAtWall + first).toISOString()}"`));
  });
});
