import { spawn, type ChildProcess } from 'node:child_process';

/** Options of {@link startCommand}. */
export interface CommandOptions {
  cwd: string;
  /** Added to this process's environment, minus its `PUSHY_*` variables. */
  env?: Record<string, string>;
}

/**
 * A shell command line running in the background, as a user runs one in a terminal (`npm
 * start`, `PUSHY_SECRET_KEY=... node app.mjs`), in its own process group so that stopping it
 * stops whatever it started.
 */
export class BackgroundCommand {
  private out = '';
  private readonly exited: Promise<number | null>;

  private constructor(
    readonly line: string,
    private readonly child: ChildProcess,
  ) {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (this.out += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.out += chunk));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Starts `sh -c line`. */
  static start(line: string, options: CommandOptions): BackgroundCommand {
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('PUSHY_')));
    const child = spawn('sh', ['-c', line], { cwd: options.cwd, env: { ...env, ...options.env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    return new BackgroundCommand(line, child);
  }

  /** Everything written so far, stdout and stderr interleaved. */
  get output(): string {
    return this.out;
  }

  /** Resolves with the first match of `pattern` in the output, once it is there. */
  waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const match = pattern.exec(this.out);
        if (!match) return;
        done();
        resolve(match);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`"${this.line}" wrote nothing matching ${pattern} in ${timeoutMs} ms; output:\n${this.out}`));
      }, timeoutMs);
      const onExit = (code: number | null): void => {
        done();
        reject(new Error(`"${this.line}" exited (${code}) before writing ${pattern}; output:\n${this.out}`));
      };
      const done = (): void => {
        clearTimeout(timer);
        this.child.stdout!.off('data', check);
        this.child.stderr!.off('data', check);
        this.child.off('exit', onExit);
      };
      this.child.stdout!.on('data', check);
      this.child.stderr!.on('data', check);
      this.child.once('exit', onExit);
      check();
    });
  }

  /** Sends SIGTERM to the command's process group and waits for the shell to end. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      try {
        process.kill(-this.child.pid!, 'SIGTERM');
      } catch (error) {
        // ESRCH: the group ended on its own in the meantime; nothing left to stop.
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    }
    await this.exited;
  }
}
