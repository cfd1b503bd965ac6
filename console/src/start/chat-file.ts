/**
 * `npm start` keeps the console's chat in its state directory, as Slack keeps a workspace's messages: the sandbox and
 * the store outlive a restart, so the messages they refer to must too — a request card approved after a restart, or
 * a watch message the watcher resolves in place (issue 22), is still there to update.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Workspace } from '../workspace.js';

export interface KeptChat {
  /** Writes the chat now. */
  save(): void;
  /** Stops following changes, writing what is pending. */
  stop(): void;
}

/** Restores the chat from `file` (when there is one), then writes it back shortly after every change. */
export function keepChat(workspace: Workspace, file: string, options: { delayInMs?: number; log?: (line: string) => void } = {}): KeptChat {
  if (existsSync(file)) {
    try {
      workspace.restore(JSON.parse(readFileSync(file, 'utf8')) as unknown);
    } catch (error) {
      options.log?.(`console: ${file} is not a chat this console wrote (${error instanceof Error ? error.message : String(error)}); starting with an empty chat`);
    }
  }
  let timer: NodeJS.Timeout | undefined;
  const save = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(workspace.record())}\n`, { mode: 0o600 });
    renameSync(temporary, file);
  };
  const unsubscribe = workspace.onChange(() => {
    if (timer !== undefined) return;
    timer = setTimeout(save, options.delayInMs ?? 250);
    timer.unref();
  });
  return {
    save,
    stop() {
      unsubscribe();
      if (timer !== undefined) save();
    },
  };
}
