import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLabFile } from '../../harness/config/load-project.js';
import type { LabConfig } from '../../harness/config/lab-schema.js';
import type { ObserverConfigOf } from '../../harness/config/observer-schema.js';
import { Correlator, observerCheckTypeAliases } from '../../harness/observers/correlate.js';
import { createObserver, observerFactories } from '../../harness/observers/index.js';
import { PostgresObserver } from '../../harness/observers/postgres.js';
import { WebhookObserver } from '../../harness/observers/webhook.js';
import { webhookHeaders } from '../../harness/observers/webhook-signature.js';
import type { RejectedSignalRecord, SignalRecord } from '../../harness/model/run-model.js';
import { observerContext, startWatch } from '../support/observer-watch.js';
import { startPostgres, type PostgresFixture } from '../support/postgres.js';

const EXAMPLES = join(import.meta.dirname, '../../lab/examples');
let lab: LabConfig;
let db: PostgresFixture;

beforeAll(async () => {
  const loaded = await loadLabFile(join(EXAMPLES, 'telemetry-stack.yaml'));
  expect(loaded.issues).toEqual([]);
  lab = loaded.lab!.config;
  db = await startPostgres();
  await db.sql(await readFile(join(EXAMPLES, 'telemetry-schema.sql'), 'utf8'));
});
afterAll(async () => {
  await db?.close();
});

const observerNamed = <K extends 'postgres' | 'webhook'>(name: string, kind: K) => {
  const config = lab.observers.find((o) => o.name === name);
  expect(config?.kind).toBe(kind);
  return config as ObserverConfigOf<K>;
};

describe('lab/examples/telemetry-stack.yaml', () => {
  it('has an observer of every built-in kind, and each is registered', async () => {
    expect(new Set(lab.observers.map((o) => o.kind))).toEqual(new Set(Object.keys(observerFactories)));
    for (const config of lab.observers) {
      const observer = createObserver(config, observerContext());
      expect(observer.kind).toBe(config.kind);
      await observer.close();
    }
  });

  it('reads the shipped telemetry schema with its postgres observer, aliases included', async () => {
    const host = lab.hosts.find((h) => h.name === 'lin-web-1')!;
    const config = observerNamed('telemetry', 'postgres');
    const observer = new PostgresObserver(config, observerContext({ env: { CHAOSLAB_TELEMETRY_URL: db.url } }));
    const since = Date.now();
    const running = startWatch(observer, { host, checkType: 'ssh_config', since, runId: 'run-1' });
    try {
      // the stack's incident type SSH_HARDENING is ssh_config through the observer's alias map
      await db.sql(`INSERT INTO execution_telemetry (hostname, incident_type, runbook_id, success, resolution_level, started_at, completed_at)
                    VALUES ('lin-web-1.lab.example', 'SSH_HARDENING', 'L1-SSH-001', true, 'L1', now(), now()),
                           ('lin-web-1', 'ssh_config', 'L1-SSH-002', false, 'L3', now(), now())`);
      await running.until('both rows read', () => running.outputs.length === 2);
    } finally {
      await running.stop();
      await observer.close();
    }
    const correlator = new Correlator({
      host, checkType: 'ssh_config', checkTypeAliases: [], runId: 'run-1', since, skewMs: 0, toleranceMs: 250, wallNow: Date.now,
      observerCheckTypeAliases: observerCheckTypeAliases(lab.observers),
    });
    const results = running.outputs.map((output) => correlator.offer(output));
    const accepted = results.flatMap((r) => ('accepted' in r ? [r.accepted as SignalRecord] : []));
    const rejected = results.flatMap((r) => ('rejected' in r ? [r.rejected as RejectedSignalRecord] : []));
    expect(rejected).toEqual([]);
    expect(accepted.map((s) => [s.kind, s.runbook, s.tier])).toEqual([['claimed_healed', 'L1-SSH-001', 'L1'], ['escalated', 'L1-SSH-002', 'L3']]);
  });

  it('accepts a signed post in the shape its webhook observer maps', async () => {
    const config = { ...observerNamed('stack-webhook', 'webhook'), listen: { host: '127.0.0.1' as const, port: 0 } };
    const observer = new WebhookObserver(config, observerContext({ env: { CHAOSLAB_WEBHOOK_SECRET: 'hook-secret' } }));
    const host = lab.hosts[0]!;
    const running = startWatch(observer, { host, checkType: 'ssh_config', since: Date.now() - 1_000 });
    try {
      await observer.start();
      const body = JSON.stringify({ event: 'HEAL_COMPLETED', timestamp: new Date().toISOString(), host: { fqdn: 'lin-web-1.lab.example' }, check: 'ssh_config', runbook_id: 'L1-SSH-001', tier: 'L1', event_id: 'e-1' });
      const response = await fetch(observer.url(), { method: 'POST', body, headers: webhookHeaders(body, 'hook-secret', { signatureHeader: 'x-healing-signature' }) });
      expect(response.status).toBe(202);
      await running.until('the heal', () => running.accepted.length === 1);
      expect(running.accepted[0]).toMatchObject({ kind: 'claimed_healed', runbook: 'L1-SSH-001', tier: 'L1' });
    } finally {
      await running.stop();
      await observer.close();
    }
  });
});
