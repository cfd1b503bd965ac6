/**
 * The processes `npm start` runs: each in its own process group (so npm's grandchildren stop with it), its output
 * prefixed with its name, stopped with SIGTERM and, if it lingers, SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { KvcsiError } from '@kvcsi/core';

export interface ServiceOptions {
  name: string;
  command: string;
  args: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Where its output goes, one prefixed line at a time. */
  log: (line: string) => void;
}

export interface Service {
  name: string;
  child: ChildProcess;
  /** Resolves when the process has exited (with its code, or the signal). */
  exited: Promise<string>;
  /** Resolves with the first output line that matches, rejects if the process exits first or the time runs out. */
  waitForLine(pattern: RegExp, timeoutInMs: number): Promise<RegExpMatchArray>;
  stop(graceInMs?: number): Promise<void>;
}

export function startService(options: ServiceOptions): Service {
  const child = spawn(options.command, [...options.args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const watchers = new Set<(line: string) => void>();
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      options.log(`[${options.name}] ${line}`);
      for (const watcher of watchers) watcher(line);
    });
  }
  let running = true;
  const exited = new Promise<string>((resolve) => {
    child.once('error', (error) => {
      running = false;
      resolve(`failed to start: ${error.message}`);
    });
    child.once('exit', (code, signal) => {
      running = false;
      resolve(signal ? `stopped by ${signal}` : `exited with code ${code}`);
    });
  });

  const signalGroup = (signal: NodeJS.Signals): void => {
    if (!running || child.pid === undefined) return;
    try {
      // The negative pid is the process group this service leads (detached: true).
      process.kill(-child.pid, signal);
    } catch {
      child.kill(signal);
    }
  };

  return {
    name: options.name,
    child,
    exited,
    waitForLine(pattern, timeoutInMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new KvcsiError('TIMEOUT', `${options.name} did not start within ${timeoutInMs / 1000} s`)), timeoutInMs);
        const watcher = (line: string): void => {
          const match = line.match(pattern);
          if (match) finish(undefined, match);
        };
        const finish = (error?: Error, match?: RegExpMatchArray): void => {
          clearTimeout(timer);
          watchers.delete(watcher);
          if (error) reject(error);
          else resolve(match as RegExpMatchArray);
        };
        watchers.add(watcher);
        void exited.then((how) => finish(new KvcsiError('UNAVAILABLE', `${options.name} ${how} before it was ready`)));
      });
    },
    async stop(graceInMs = 5_000) {
      signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), graceInMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `url` until it answers 2xx; rejects when `service` exits first or the time runs out. */
export async function waitForHttp(url: string, options: { timeoutInMs: number; service?: Service; signal?: AbortSignal }): Promise<void> {
  const deadline = Date.now() + options.timeoutInMs;
  let exited: string | undefined;
  void options.service?.exited.then((how) => { exited = how; });
  for (;;) {
    if (exited) throw new KvcsiError('UNAVAILABLE', `${options.service?.name ?? url} ${exited} before it was ready`);
    if (options.signal?.aborted) throw new KvcsiError('ABORTED', `stopped while waiting for ${url}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new KvcsiError('TIMEOUT', `${options.service?.name ?? url} did not answer at ${url} within ${options.timeoutInMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/** A free loopback port when `port` is 0; else `port`. */
export async function resolvePort(port: number): Promise<number> {
  if (port !== 0) return port;
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const chosen = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(chosen));
    });
  });
}

/** Refuses early, with the flag to change, when a port is taken. */
export async function ensurePortFree(port: number, what: string, flag: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', () => reject(new KvcsiError('UNAVAILABLE', `port ${port} (${what}) is in use; stop what uses it or choose another with ${flag} <port>`, { field: flag })));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}
