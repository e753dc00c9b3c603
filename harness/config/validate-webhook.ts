import type { ConfigIssue } from '../core/errors.js';
import type { SourceDocument } from './catalogue.js';
import type { LabConfig } from './lab-schema.js';
import { issueAt } from './load-issues.js';

/** Webhook observers that accept unsigned events: any local process (or web page that finds the port) could post a heal. */
export function unsignedWebhooks(lab: LabConfig): string[] {
  return lab.observers.flatMap((observer) => (observer.kind === 'webhook' && observer.secret === undefined ? [observer.name] : []));
}

/** A warning per unsigned webhook observer, at its `insecure_unsigned` line. */
export function unsignedWebhookWarnings(lab: LabConfig, source: SourceDocument): ConfigIssue[] {
  return lab.observers.flatMap((observer, index) =>
    observer.kind === 'webhook' && observer.secret === undefined
      ? [issueAt(source, ['observers', index, 'insecure_unsigned'], `webhook observer ${observer.name} accepts unsigned events: any local process can post a heal, and every report of the run says so; set \`secret\` outside a throw-away lab`)]
      : [],
  );
}
