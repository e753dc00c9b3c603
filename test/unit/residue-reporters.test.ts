import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { RunModel } from '../../harness/model/run-model.js';
import { summarize } from '../../harness/model/summary.js';
import { createConsoleReporter } from '../../reporters/console.js';
import { renderHtml } from '../../reporters/html.js';
import { createJsonReporter } from '../../reporters/json.js';
import { renderJunit } from '../../reporters/junit.js';
import { renderMarkdown } from '../../reporters/markdown.js';
import { catalogueRun } from '../fixtures/runs/catalogue.js';
import { residueScanFixture, withResidueScan } from '../fixtures/runs/residue.js';
import { tempDir } from '../support/tmp.js';

/** Every reporter on the recorded catalogue run with a residue scan folded in: a lab-health finding, apart from the score. */
const plain = catalogueRun('current');
const scanned = withResidueScan(plain);
const clean = withResidueScan(plain, residueScanFixture([{ type: 'residue_scan_started', hosts: [{ host: 'lab-lin-2', checks: 1 }] }, { type: 'residue_check', host: 'lab-lin-2', scenarioId: 'lin-firewall', checkType: 'firewall', durationMs: 9, status: 'clean' }, { type: 'residue_scan_ended' }]));

async function consoleText(run: RunModel): Promise<string> {
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  await createConsoleReporter({ outputDir: '/nonexistent', reportsRoot: '/nonexistent', stdout }).onRunEnd?.(run);
  return Buffer.concat(chunks).toString('utf8');
}

describe('reporters show the residue scan', () => {
  it('console: the headline, each residue with its evidence and pending revert, unknown checks and hosts not scanned', async () => {
    const text = await consoleText(scanned);
    expect(text).toContain('residue scan: 3 hosts, 1 not scanned, 7 checks: 2 residue, 2 unknown, 3 clean (lab health, not scored)');
    expect(text).toContain('  residue: lin-persist-cron (cron_persistence) @ lab-lin-1: check exited 1: /etc/cron.d/chaoslab-persist: * * * * * root /tmp/.update\n');
    expect(text).toContain("  residue: lin-ip-forward (kernel) @ lab-lin-1: check exited 1: chaoslab's own fault: pending revert of lin-ip-forward@lab-lin-1#1 (run 20261120-020000-nightly) in the journal; `chaoslab revert --pending` undoes it\n");
    expect(text).toContain('  unknown: win-dc-firewall (firewall_status) @ lab-dc-1: lab-dc-1: WinRM operation timed out after 30s\n');
    expect(text).toContain('  not scanned: lab-ws-1 (unreachable): ');
    expect(await consoleText(clean)).toContain('residue scan: 1 host, 1 check: 0 residue, 0 unknown, 1 clean\n');
    expect(await consoleText(plain)).not.toContain('residue');
  });

  it('markdown: a residue table apart from the score, unknown checks apart from residue; nothing when there was no scan', () => {
    const text = renderMarkdown(scanned);
    expect(text).toContain('### Residue after the run — lab health, not scored (2)');
    expect(text).toContain('| lin-persist-cron | lab-lin-1 | cron_persistence | 1 | /etc/cron.d/chaoslab-persist: * * * * * root /tmp/.update |');
    expect(text).toMatch(/\*\*Could not run — unknown, not residue \(2\):\*\*\n\n\| Scenario \| Host \| Check type \| Why \|/);
    expect(text).toContain('**Not scanned:** `lab-ws-1` unreachable');
    expect(renderMarkdown(clean)).toContain('**Residue after the run:** none — 1 host, 1 check: 0 residue, 0 unknown, 1 clean.');
    // the score is the same with or without residue
    expect(text.split('\n')[0]).toBe(renderMarkdown(plain).split('\n')[0]);
    expect(renderMarkdown(plain)).not.toContain('Residue');
  });

  it('junit: properties and system-out of the host\'s test suite, valid against the schema, no extra failures', async () => {
    const xml = renderJunit(scanned);
    const suite = (name: string) => xml.slice(xml.indexOf(`<testsuite name="${name}"`), xml.indexOf('</testsuite>', xml.indexOf(`<testsuite name="${name}"`)));
    expect(suite('linux/lab-lin-1')).toContain('<property name="residue_scan" value="3 checks: 2 residue, 0 unknown, 1 clean"/>');
    expect(suite('linux/lab-lin-1')).toContain('<property name="residue.lin-persist-cron" value="check exited 1: /etc/cron.d/chaoslab-persist: * * * * * root /tmp/.update"/>');
    expect(suite('linux/lab-lin-1')).toMatch(/<system-out>residue scan: 3 checks: 2 residue, 0 unknown, 1 clean\nresidue: lin-persist-cron/);
    expect(suite('windows/lab-dc-1')).toContain('<property name="residue_unknown.win-dc-firewall" value="lab-dc-1: WinRM operation timed out after 30s"/>');
    expect(suite('windows/lab-ws-1')).toMatch(/<property name="residue_scan" value="not scanned \(unreachable\): /);
    expect(xml.match(/<testsuites [^>]*>/)![0]).toBe(renderJunit(plain).match(/<testsuites [^>]*>/)![0]);
    await using dir = await tempDir('chaoslab-junit-residue-');
    const file = join(dir.path, 'junit.xml');
    await writeFile(file, xml);
    const lint = spawnSync('xmllint', ['--noout', '--schema', join(import.meta.dirname, '../fixtures/junit/junit.xsd'), file], { encoding: 'utf8' });
    expect(`${lint.stdout}${lint.stderr}`).toMatch(/validates/);
  });

  it('html: a residue card with the evidence, the unknown checks and the hosts not scanned', () => {
    const html = renderHtml(scanned);
    const card = html.slice(html.indexOf('<section class="card lab" aria-labelledby="residue-h" id="residue">'), html.indexOf('</section>', html.indexOf('id="residue"')));
    expect(card).toContain('Residue after the run (2) — lab health, not scored');
    expect(card).toContain('<td><code>lin-persist-cron</code></td><td><code>lab-lin-1</code></td><td><code>cron_persistence</code></td><td>1</td><td>/etc/cron.d/chaoslab-persist: * * * * * root /tmp/.update</td>');
    expect(card).toContain('<caption>Could not run — unknown, not residue</caption>');
    expect(card).toContain('<code>lab-ws-1</code> (unreachable: ');
    expect(renderHtml(clean)).toContain('None: every check that could run found its host at baseline.');
    expect(renderHtml(plain)).not.toContain('id="residue"');
  });

  it('json: the counts beside the summary, the scan in the run model', async () => {
    await using dir = await tempDir('chaoslab-json-residue-');
    await createJsonReporter({ outputDir: dir.path, reportsRoot: dir.path, stdout: new PassThrough() }).onRunEnd?.(scanned);
    const report = JSON.parse(await readFile(join(dir.path, 'report.json'), 'utf8'));
    expect(report.residue).toEqual({ complete: true, hostsScanned: 3, hostsSkipped: 1, checks: 7, clean: 3, residue: 2, unknown: 2 });
    expect(report.run.residueScan).toEqual(scanned.residueScan);
    expect(report.summary).toEqual(JSON.parse(JSON.stringify(summarize(plain))));
  });
});
