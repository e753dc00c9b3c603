import { pino, destination, type Logger as PinoLogger } from 'pino';
import { redactDeep, resolvedSecrets } from './redact.js';

/** Structured logs (pino) to reports/<run-id>/chaoslab.log; silent when no file is given. */
export type Logger = Pick<PinoLogger, 'info' | 'warn' | 'error' | 'debug' | 'child'>;

/**
 * pino's `redact` paths below only know key names; a secret can also sit in a
 * message or an error's text (a remote command's stderr, a library quoting a
 * header). So every serialized line goes through the event log's redaction,
 * with the secrets known at that moment. The line is parsed first: serialized,
 * a secret's quotes, backslashes and newlines are escaped, and replacing text
 * in the raw line could also break its JSON.
 */
function redactLogLine(line: string): string {
  if (!resolvedSecrets().length) return line;
  return `${JSON.stringify(redactDeep(JSON.parse(line) as unknown))}\n`;
}

export function createLogger(file?: string, level = process.env.CHAOSLAB_LOG_LEVEL ?? 'info'): Logger {
  if (!file) return pino({ level: 'silent' });
  return pino(
    {
      level,
      redact: { paths: ['password', '*.password', 'token', '*.token', 'secret', '*.secret'], censor: '[redacted]' },
      hooks: { streamWrite: redactLogLine },
    },
    destination({ dest: file, mkdir: true, sync: true }),
  );
}

export const silentLogger: Logger = pino({ level: 'silent' });
