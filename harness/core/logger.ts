import { pino, destination, type Logger as PinoLogger } from 'pino';

/** Structured logs (pino) to reports/<run-id>/chaoslab.log; silent when no file is given. */
export type Logger = Pick<PinoLogger, 'info' | 'warn' | 'error' | 'debug' | 'child'>;

export function createLogger(file?: string, level = process.env.CHAOSLAB_LOG_LEVEL ?? 'info'): Logger {
  if (!file) return pino({ level: 'silent' });
  return pino({ level, redact: { paths: ['password', '*.password', 'token', '*.token', 'secret', '*.secret'], censor: '[redacted]' } }, destination({ dest: file, mkdir: true, sync: true }));
}

export const silentLogger: Logger = pino({ level: 'silent' });
