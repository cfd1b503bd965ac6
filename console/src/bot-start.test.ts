/** Issue 19: a command typed while the bot was still starting failed as dispatch_failed. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Interactions } from './interactions.js';
import { Workspace } from './workspace.js';

const RITA = 'U0SBXREQ01';

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('a command typed before the bot listens', () => {
  let bot: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => (bot ? bot.close(resolve) : resolve(undefined)));
  });

  it('reaches the bot once it is up, instead of failing as dispatch_failed', async () => {
    const port = await freePort();
    const workspace = new Workspace();
    const interactions = new Interactions({ workspace, botUrl: `http://127.0.0.1:${port}`, signingSecret: 's', baseUrl: 'http://127.0.0.1:1' });
    const received: string[] = [];
    const typed = interactions.type(RITA, 'C0SBXPRD', '/kvcsi help');
    // The bot starts 700 ms later.
    await new Promise((resolve) => setTimeout(resolve, 700));
    bot = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push(body);
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => bot!.listen(port, '127.0.0.1', resolve));
    await typed;
    expect(received).toHaveLength(1);
    expect(JSON.stringify(workspace.snapshot(RITA))).not.toContain('dispatch_failed');
  });

  it('still says dispatch_failed when the bot never comes', async () => {
    const port = await freePort();
    const workspace = new Workspace();
    const interactions = new Interactions({ workspace, botUrl: `http://127.0.0.1:${port}`, signingSecret: 's', baseUrl: 'http://127.0.0.1:1', botStartWaitInMs: 600 });
    await interactions.type(RITA, 'C0SBXPRD', '/kvcsi help');
    expect(JSON.stringify(workspace.snapshot(RITA))).toContain('dispatch_failed');
  });
});
