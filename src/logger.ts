import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * The process logger: structured JSON lines on stderr (stdout is for data).
 * Modules take `logger.child({ module: '...' })`. Secrets are redacted by path.
 */
export function createLogger(level: string, destination: NodeJS.WritableStream = process.stderr): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: ['password', '*.password', 'config.clickhouse.password', 'headers.authorization', 'token', '*.token'], censor: '[redacted]' },
    },
    destination,
  );
}
