import type { RunModel } from '../../harness/model/run-model.js';
import type { SigningFacts } from '../reporter.js';
import { escapeHtml } from '../escape-html.js';

/**
 * The scorecard's "how to check this" note: the run folder's manifest.json is
 * signed, and the page names the key's fingerprint so that a reader can verify
 * the folder against the key they expect, not just against any key.
 */

export function signedNote(run: Pick<RunModel, 'runId' | 'mergedFrom'>, signing: SigningFacts | undefined): string {
  if (!signing) return '';
  const fingerprint = escapeHtml(signing.fingerprint);
  // a run's folder is named by its run id; a merged scorecard's by whoever ran the merge
  const folder = run.mergedFrom ? '&lt;this folder&gt;' : `reports/${escapeHtml(run.runId)}`;
  return [
    '<section class="card" aria-labelledby="signed-h" id="signed">',
    '<h2 id="signed-h">Evidence</h2>',
    `<p>This run folder's <code>manifest.json</code> lists every file with its size and SHA-256 and each event log's last event hash (every event in <code>events.jsonl</code> carries the hash of the one before it). It is signed with the Ed25519 key <strong><code>${fingerprint}</code></strong>.</p>`,
    `<p>Verify the folder (exit 0 when intact, 1 naming the first altered event or file): <code>chaoslab verify ${folder} --public-key ${fingerprint}</code></p>`,
    `<p class="hint">Public key (SPKI, base64): <code>${escapeHtml(signing.publicKey)}</code></p>`,
    '</section>',
  ].join('\n');
}
