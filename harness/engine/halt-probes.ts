import { stat } from 'node:fs/promises';
import type { HaltCondition } from '../config/halt-schema.js';
import { errorMessage } from '../core/errors.js';
import { excerpt, urlWithoutCredentials } from '../core/redact.js';
import { apiUrl, promQuery } from '../observers/prometheus-api.js';

/**
 * One evaluation of a halt condition. `unreadable` says why it could not be
 * evaluated (the server did not answer, its answer made no sense); then
 * `firing` is meaningless and the monitor applies `when_unreadable`.
 */
export type HaltReading =
  | { readonly firing: boolean; readonly detail: string; readonly evidence?: unknown }
  | { readonly unreadable: string };

export interface HaltProbe {
  readonly condition: HaltCondition;
  evaluate(signal: AbortSignal): Promise<HaltReading>;
}

async function getJson(url: URL, signal: AbortSignal, timeoutMs: number, authorization?: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { headers: { accept: 'application/json', ...(authorization && { authorization }) }, signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]), redirect: 'error' });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) as unknown };
  } catch {
    throw new Error(`answered ${response.status} with no JSON: ${excerpt(text, 200)}`);
  }
}

interface AlertmanagerAlert {
  readonly labels?: Record<string, string>;
  readonly startsAt?: string;
  readonly status?: { readonly state?: string };
}

/**
 * A condition's URL may carry credentials (`http://user:pass@127.0.0.1:9093`):
 * fetch refuses such a URL, so they are sent as an Authorization header, and
 * the URL named in details, notes and logs is the one without them.
 */
function alertmanagerProbe(condition: Extract<HaltCondition, { kind: 'alertmanager' }>): HaltProbe {
  const target = urlWithoutCredentials(condition.url);
  return {
    condition,
    async evaluate(signal) {
      const url = apiUrl(target.url, 'api/v2/alerts');
      // silenced and inhibited alerts are someone's decision not to act on them
      url.searchParams.set('silenced', 'false');
      url.searchParams.set('inhibited', 'false');
      for (const matcher of condition.matchers) url.searchParams.append('filter', matcher);
      try {
        const { status, body } = await getJson(url, signal, condition.timeout, target.authorization);
        if (status !== 200 || !Array.isArray(body)) return { unreadable: `GET ${url.pathname} answered ${status}: ${excerpt(JSON.stringify(body), 200)}` };
        const alerts = (body as AlertmanagerAlert[]).filter((a) => a.status?.state !== 'suppressed');
        const evidence = alerts.slice(0, 5).map((a) => ({ labels: a.labels ?? {}, startsAt: a.startsAt }));
        const names = evidence.map((a) => a.labels.alertname ?? JSON.stringify(a.labels)).join(', ');
        return alerts.length
          ? { firing: true, detail: `${alerts.length} alert(s) firing for ${condition.matchers.join(', ')}: ${names}`, evidence }
          : { firing: false, detail: `no alert for ${condition.matchers.join(', ')}` };
      } catch (error) {
        signal.throwIfAborted();
        return { unreadable: `GET ${url.origin}${url.pathname} failed: ${errorMessage(error)}` };
      }
    },
  };
}

function prometheusProbe(condition: Extract<HaltCondition, { kind: 'prometheus' }>): HaltProbe {
  const limit = condition.above ?? condition.below!;
  const breaches = (value: number) => (condition.above !== undefined ? value > limit : value < limit);
  const comparison = condition.above !== undefined ? `above ${limit}` : `below ${limit}`;
  const target = urlWithoutCredentials(condition.url);
  return {
    condition,
    async evaluate(signal) {
      const answer = await promQuery(target.url, condition.query, { signal, timeoutMs: condition.timeout, ...(target.authorization && { authorization: target.authorization }) });
      if (answer.kind !== 'samples') return { unreadable: answer.message };
      const samples = answer.samples.map(({ labels, value }) => ({ labels, value }));
      const breaching = samples.filter((s) => breaches(s.value));
      return breaching.length
        ? { firing: true, detail: `${condition.query} is ${comparison}: ${breaching.map((s) => s.value).slice(0, 5).join(', ')}`, evidence: breaching.slice(0, 5) }
        : { firing: false, detail: samples.length ? `${condition.query}: ${samples.map((s) => s.value).slice(0, 5).join(', ')}` : `${condition.query}: no samples` };
    },
  };
}

/** A health endpoint: non-2xx answers and failed requests count; `failures` in a row fire. Never having answered at all is unreadable. */
function httpProbe(condition: Extract<HaltCondition, { kind: 'http' }>): HaltProbe {
  let failuresInRow = 0;
  let everAnswered = false;
  // the URL as it is requested and named in every detail: without the credentials, which go in a header
  const { url, authorization } = urlWithoutCredentials(condition.url);
  return {
    condition,
    async evaluate(signal) {
      let problem: string;
      try {
        const response = await fetch(url, { ...(authorization && { headers: { authorization } }), signal: AbortSignal.any([signal, AbortSignal.timeout(condition.timeout)]), redirect: 'error' });
        await response.body?.cancel();
        everAnswered = true;
        if (response.ok) {
          failuresInRow = 0;
          return { firing: false, detail: `${url} answered ${response.status}` };
        }
        problem = `answered ${response.status}`;
      } catch (error) {
        signal.throwIfAborted();
        if (!everAnswered) return { unreadable: `${url} did not answer: ${errorMessage(error)}` };
        problem = `failed: ${errorMessage(error)}`;
      }
      failuresInRow += 1;
      return { firing: failuresInRow >= condition.failures, detail: `${url} ${problem} (${failuresInRow} of ${condition.failures} failures in a row)`, evidence: { failuresInRow } };
    },
  };
}

function stopFileProbe(condition: Extract<HaltCondition, { kind: 'stop_file' }>): HaltProbe {
  return {
    condition,
    async evaluate() {
      try {
        const found = await stat(condition.path);
        return { firing: true, detail: `stop file ${condition.path} exists`, evidence: { path: condition.path, modified: found.mtime.toISOString() } };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { firing: false, detail: `no stop file at ${condition.path}` };
        return { unreadable: `cannot check ${condition.path}: ${errorMessage(error)}` };
      }
    },
  };
}

export function haltProbe(condition: HaltCondition): HaltProbe {
  switch (condition.kind) {
    case 'alertmanager':
      return alertmanagerProbe(condition);
    case 'prometheus':
      return prometheusProbe(condition);
    case 'http':
      return httpProbe(condition);
    case 'stop_file':
      return stopFileProbe(condition);
  }
}
