import { readFile } from 'node:fs/promises';

/** What a CLI command may touch of the outside world; tests pass captured streams. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readFile: (path: string) => Promise<string>;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    stderr: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    readFile: (path) => readFile(path, 'utf8'),
    env: process.env,
    cwd: process.cwd(),
  };
}

/** A usage problem: printed with the command's help, exit code 2. */
export class UsageError extends Error {}

/** An error whose message is the whole story for a person (a missing emulator, a bad config): no stack trace. */
export class UserFacingError extends Error {
  override name = 'UserFacingError';
}
