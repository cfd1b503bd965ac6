/**
 * JSON logs (pino) behind Bolt's Logger interface, redacted twice over: anything shaped like a modal's
 * `view.state.values` is replaced wherever it appears, and secret values the bot is handling right now are cut out
 * of every string (so even a library that logs a raw payload or an error message cannot leak one).
 */
import { LogLevel, type Logger } from '@slack/bolt';
import pino, { type DestinationStream } from 'pino';

export const REDACTED = '[redacted]';

/** Values being handled right now (a submitted secret), scrubbed from every log line and shown text. */
export class SecretScrubber {
  private readonly values = new Map<string, number>();

  /** Registers a value until the returned function is called. Short values are not registered: they would scrub ordinary words. */
  hold(value: string): () => void {
    if (value.length < 4) return () => undefined;
    this.values.set(value, (this.values.get(value) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const count = (this.values.get(value) ?? 1) - 1;
      if (count <= 0) this.values.delete(value);
      else this.values.set(value, count);
    };
  }

  scrub(text: string): string {
    let out = text;
    for (const value of this.values.keys()) if (out.includes(value)) out = out.split(value).join(REDACTED);
    return out;
  }
}

const STATE_IN_TEXT = /"state"\s*:\s*\{\s*"values"/;

/** A copy of `value` with view state, secret-looking keys and held secret values removed. */
export function redactForLog(value: unknown, scrubber?: SecretScrubber, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') {
    if (STATE_IN_TEXT.test(value)) return `${REDACTED} (a payload with view state)`;
    return scrubber ? scrubber.scrub(value) : value;
  }
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value) || depth > 12) return '[…]';
  seen.add(value);
  if (value instanceof Error) {
    const out: Record<string, unknown> = { name: value.name, message: redactForLog(value.message, scrubber, depth + 1, seen) };
    const code = (value as { code?: unknown }).code;
    if (code !== undefined) out.code = code;
    if (value.stack) out.stack = redactForLog(value.stack, scrubber, depth + 1, seen);
    return out;
  }
  if (Array.isArray(value)) return value.map((item) => redactForLog(item, scrubber, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (key === 'state' && item && typeof item === 'object' && 'values' in item) out[key] = { values: REDACTED };
    else if (key === 'values' && depth > 0 && item && typeof item === 'object') out[key] = REDACTED;
    else if (/^(token|secret|password|value|signing_?secret|authorization)$/i.test(key) && typeof item === 'string') out[key] = REDACTED;
    else out[key] = redactForLog(item, scrubber, depth + 1, seen);
  }
  return out;
}

const PINO_LEVEL: Readonly<Record<LogLevel, pino.Level>> = {
  [LogLevel.DEBUG]: 'debug',
  [LogLevel.INFO]: 'info',
  [LogLevel.WARN]: 'warn',
  [LogLevel.ERROR]: 'error',
};

export interface BotLoggerOptions {
  level?: LogLevel;
  name?: string;
  /** Where JSON lines go; stdout by default. */
  destination?: DestinationStream;
  scrubber?: SecretScrubber;
}

/** Bolt's Logger, writing redacted JSON lines. */
export function createBotLogger(options: BotLoggerOptions = {}): Logger & { child(bindings: Record<string, string>): Logger } {
  let level = options.level ?? LogLevel.INFO;
  const scrubber = options.scrubber;
  const base = pino({ name: options.name ?? 'kvcsi-bot', level: PINO_LEVEL[level], base: undefined }, options.destination ?? pino.destination(1));

  const make = (target: pino.Logger): Logger & { child(bindings: Record<string, string>): Logger } => {
    const write = (method: pino.Level, args: unknown[]): void => {
      const redacted = args.map((arg) => redactForLog(arg, scrubber));
      const [first, ...rest] = redacted;
      if (first && typeof first === 'object' && !Array.isArray(first)) {
        target[method](first as object, rest.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join(' '));
      } else {
        target[method]([first, ...rest].map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join(' '));
      }
    };
    return {
      debug: (...args: unknown[]) => write('debug', args),
      info: (...args: unknown[]) => write('info', args),
      warn: (...args: unknown[]) => write('warn', args),
      error: (...args: unknown[]) => write('error', args),
      setLevel(next: LogLevel) {
        level = next;
        target.level = PINO_LEVEL[next];
      },
      getLevel: () => level,
      setName(name: string) {
        target.setBindings({ name });
      },
      child: (bindings: Record<string, string>) => make(target.child(bindings)),
    };
  };
  return make(base);
}
