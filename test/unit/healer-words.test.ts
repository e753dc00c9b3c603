import { describe, expect, it } from 'vitest';
import { describeCause } from '../../harness/model/cause.js';
import type { AttemptResult, RunModel, SignalRecord } from '../../harness/model/run-model.js';
import { mapRecord, messageOf, MESSAGE_LIMIT } from '../../harness/observers/fields.js';
import { renderJunit } from '../../reporters/junit.js';
import { renderMarkdown } from '../../reporters/markdown.js';
import { failureCause } from '../../reporters/pdf/print-sections.js';
import { buildClientData } from '../../reporters/html/client-data.js';
import { catalogueRun } from '../fixtures/runs/catalogue.js';

/** The healer's own reason ("remediate exited 0; detect still fails: exit 1") reaches every report, not only events.jsonl. */
const WORDS = 'remediate exited 0; detect still fails: exit 1';
const fields = { kind: 'kind', at: 'at', host: 'host', check_type: 'check_type' };

describe('the healer\'s own words', () => {
  it('are read from the configured field, else from message, detail, error_message, error, reason or msg', () => {
    expect(messageOf({ detail: WORDS }, undefined)).toBe(WORDS);
    expect(messageOf({ message: 'first', detail: 'second' }, undefined)).toBe('first');
    expect(messageOf({ msg: '  spaced  ' }, undefined)).toBe('spaced');
    expect(messageOf({ detail: 42 }, undefined)).toBeUndefined();
    expect(messageOf({ out: { why: WORDS }, detail: 'not this' }, 'out.why')).toBe(WORDS);
    expect(messageOf({ n: 7 }, 'n')).toBe('7');
    expect(messageOf({}, undefined)).toBeUndefined();
    const long = messageOf({ detail: 'x'.repeat(MESSAGE_LIMIT + 50) }, undefined)!;
    expect(long).toHaveLength(MESSAGE_LIMIT + 1);
    expect(long.endsWith('…')).toBe(true);
  });

  it('travel with the observed event', () => {
    const event = mapRecord({ kind: 'heal_failed', at: '2026-12-08T00:00:00Z', host: 'h', check_type: 'smb_signing', detail: WORDS }, { source: 'log', fields, kinds: {} });
    expect(event).toMatchObject({ kind: 'heal_failed', message: WORDS });
  });

  const run = catalogueRun('current');
  const target = run.attempts.find((a) => a.verdict.kind === 'not_healed')!;
  const failed: SignalRecord = { source: 'healer-log', kind: 'heal_failed', at: 5000, host: target.host, checkType: target.checkType, message: WORDS, receivedAt: 5100, raw: {} };
  const withWords: AttemptResult = { ...target, signals: [...target.signals, failed], cause: undefined as unknown as string };
  const cause = describeCause(withWords);
  const model: RunModel = { ...run, attempts: run.attempts.map((a) => (a === target ? { ...withWords, cause } : a)) };

  it('end the cause line of the verdict they explain', () => {
    expect(target).toBeDefined();
    expect(cause).toMatch(/^heal_failed ×1 \(5\.0s\).*; healer: "remediate exited 0; detect still fails: exit 1"$/);
    const claimOnly: SignalRecord = { ...failed, kind: 'detected' };
    expect(describeCause({ ...target, signals: [claimOnly] })).not.toContain('healer:');
  });

  it('appear in JUnit, Markdown, the PDF\'s failure list and the HTML evidence data', () => {
    expect(renderJunit(model)).toContain(`healer: &quot;${WORDS}&quot;`);
    expect(renderJunit(model)).toContain(`[signal] heal_failed from healer-log at 5.0s: ${WORDS}`);
    expect(renderMarkdown(model)).toContain(WORDS);
    expect(failureCause(model.attempts.find((a) => a.attemptId === target.attemptId)!)).toContain(WORDS);
    const { evidence } = buildClientData(model, new Map());
    expect(evidence.strings).toContain(WORDS);
  });
});
