import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunModel } from '../../harness/model/run-model.js';
import { renderJunit } from '../../reporters/junit.js';
import { catalogueRun } from '../fixtures/runs/catalogue.js';
import { syntheticRun } from '../fixtures/runs/synthetic.js';
import { tempDir } from '../support/tmp.js';

const XSD = join(import.meta.dirname, '../fixtures/junit/junit.xsd');

/** Validates with libxml2's xmllint (Debian's libxml2-utils): returns its exit status and messages. */
async function validate(xml: string): Promise<{ status: number; output: string }> {
  await using dir = await tempDir('chaoslab-junit-');
  const file = join(dir.path, 'junit.xml');
  writeFileSync(file, xml);
  const result = spawnSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8' });
  return { status: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

const current = catalogueRun('current');

describe('junit reporter', () => {
  const xml = renderJunit(current, [catalogueRun('baseline')]);

  it('is valid against the JUnit XML schema', async () => {
    const result = await validate(xml);
    expect(result.output).toMatch(/validates/);
    expect(result.status).toBe(0);
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
    expect(xml).toMatch(/<testsuites name="chaoslab 20261120-020000-nightly \(catalogue-16\)" tests="16" failures="4" errors="2" skipped="0"/);
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
    expect(suid).toContain('<property name="tier" value="L1"/>');
    expect(suid).toContain('<property name="observed_tier" value="L2"/>');
    expect(suid).toContain('<property name="check_type" value="suid_binaries"/>');
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
    expect(out).toMatch(/<skipped message="host_quarantined: host quarantined earlier in the run"\/>/);
    expect(out).toMatch(/<property name="flaky" value="\d different verdicts over 3 repeats"\/>/);
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
