/** What a CLI command may touch: passed in so tests can run commands in-process. */
export interface CliContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly stdin: AsyncIterable<Uint8Array>;
  /** Whether stderr is a terminal (progress bars) . */
  readonly isTTY: boolean;
}

export function processContext(): CliContext {
  return { env: process.env, stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, isTTY: process.stderr.isTTY === true };
}
