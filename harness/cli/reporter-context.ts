import type { ReporterContext } from '../../reporters/reporter.js';
import { urlWithoutCredentials } from '../core/redact.js';
import type { ManifestSigner } from '../evidence/keys.js';
import type { HistoryNote } from '../model/history-view.js';
import type { RunJudgement } from '../model/outcome.js';
import type { RunModel } from '../model/run-model.js';

/**
 * The context every reporter gets, built the same way by `run` (live, into the
 * new run folder) and `report` (re-rendering a log): where to write, the runs to
 * compare with, the judgement for the headline, the signing key to name, and the
 * options that reach reporters (`--report-url`, `--pushgateway`).
 */
export interface ReporterContextInputs {
  readonly outputDir: string;
  readonly reportsRoot: string;
  readonly stdout: NodeJS.WritableStream;
  readonly history: readonly RunModel[];
  readonly baseline?: RunModel | undefined;
  readonly historyNote?: HistoryNote | undefined;
  readonly judge: (run: RunModel) => RunJudgement;
  readonly signer?: Pick<ManifestSigner, 'fingerprint' | 'publicKey'> | undefined;
  readonly options: { readonly reportUrl?: string | undefined; readonly pushgateway?: string | undefined };
}

export function reporterContext(inputs: ReporterContextInputs): ReporterContext {
  const { signer, baseline, options } = inputs;
  // a --pushgateway password is a secret: remembered before the run's first event, so every output hides it in any form
  if (options.pushgateway !== undefined) urlWithoutCredentials(options.pushgateway);
  return {
    outputDir: inputs.outputDir,
    reportsRoot: inputs.reportsRoot,
    stdout: inputs.stdout,
    history: inputs.history,
    judge: inputs.judge,
    ...(baseline && { baseline }),
    ...(inputs.historyNote && { historyNote: inputs.historyNote }),
    ...(signer && { signing: { fingerprint: signer.fingerprint, publicKey: signer.publicKey } }),
    ...(options.reportUrl !== undefined && { reportUrl: options.reportUrl }),
    ...(options.pushgateway !== undefined && { pushgateway: options.pushgateway }),
  };
}
