import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BOT_USER } from '../directory.js';
import { Workspace } from '../workspace.js';
import { keepChat } from './chat-file.js';

const RITA = 'U0SBXREQ01';
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kvcsi-chat-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('npm start keeps the console\'s chat between runs', () => {
  it('a restart finds the public messages and files where they were, updatable in place; ephemeral answers are gone', async () => {
    const file = path.join(dir, 'console-chat.json');
    const first = new Workspace();
    const kept = keepChat(first, file, { delayInMs: 10 });
    const watchMessage = first.post({ channel: 'C0SBXALERTSDEV', author: BOT_USER.id, text: 'D1: No access policy', metadata: { event_type: 'kvcsi_watch_problem', event_payload: { messageId: 'm1' } } });
    first.post({ channel: 'C0SBXPRD', author: RITA, text: '/kvcsi diagnose', isCommandEcho: true, visibleTo: RITA });
    first.post({ channel: 'C0SBXPRD', author: BOT_USER.id, text: 'working…', visibleTo: RITA });
    const upload = first.reserveFile('spc.yaml', 4);
    first.storeFileContent(upload.id, 'spc:');
    first.post({ channel: 'C0SBXDEV', author: BOT_USER.id, text: 'the manifest', files: [upload] });
    // Written shortly after the changes, owner-only.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    kept.stop();

    const second = new Workspace();
    keepChat(second, file).stop();
    const seen = second.snapshot(RITA).messages;
    expect(seen.map((message) => message.text)).toEqual(['D1: No access policy', 'the manifest']);
    const restored = second.messageAt('C0SBXALERTSDEV', watchMessage.ts);
    expect(restored).toEqual(watchMessage);
    second.replace(restored, { text: 'Resolved after 5s: D1 No access policy' });
    expect(second.messageById(watchMessage.id)?.editedAt).toBeDefined();
    expect(second.file(upload.id)?.content).toBe('spc:');
    // New messages come after the kept ones, with ids of their own.
    const next = second.post({ channel: 'C0SBXALERTSDEV', author: BOT_USER.id, text: 'later' });
    expect(Number(next.ts)).toBeGreaterThan(Number(watchMessage.ts));
    expect(seen.map((message) => message.id)).not.toContain(next.id);
  });

  it('stop() writes what is pending; a file it did not write starts an empty chat and says so', () => {
    const file = path.join(dir, 'console-chat.json');
    const workspace = new Workspace();
    const kept = keepChat(workspace, file, { delayInMs: 60_000 });
    workspace.post({ channel: 'C0SBXDEV', author: BOT_USER.id, text: 'pending' });
    kept.stop();
    expect((JSON.parse(readFileSync(file, 'utf8')) as { messages: { text: string }[] }).messages.map((message) => message.text)).toEqual(['pending']);

    writeFileSync(file, '{not json');
    const lines: string[] = [];
    const fresh = new Workspace();
    keepChat(fresh, file, { log: (line) => lines.push(line) }).stop();
    expect(fresh.snapshot(RITA).messages).toEqual([]);
    expect(lines).toEqual([expect.stringContaining('is not a chat this console wrote')]);
  });
});
