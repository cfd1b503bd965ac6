/**
 * The console alone, for a bot started by hand: `node console/dist/main.js`.
 * Env: KVCSI_BOT_URL (default http://127.0.0.1:3001), SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN (the bot's own),
 * CONSOLE_PORT (default 3000), SLACK_APP_TOKEN (Socket Mode: the bot's app-level token), KVCSI_CONSOLE_RATE_LIMIT
 * (Slack's rate limits: on by default, off, or messages per second per channel; rate-limits.ts). Start the bot with
 * SLACK_API_URL=http://127.0.0.1:<port>/api/ (and KVCSI_SLACK_TRANSPORT=socket with the same SLACK_APP_TOKEN).
 */
import { KvcsiError } from '@kvcsi/core';
import { startConsoleServer } from './server.js';

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new KvcsiError('CONFIG_INVALID', `${name} is not set (the bot's own value)`, { field: name });
  return value;
}

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const server = await startConsoleServer({
    port: Number(env.CONSOLE_PORT ?? 3000),
    botUrl: env.KVCSI_BOT_URL ?? 'http://127.0.0.1:3001',
    signingSecret: required(env, 'SLACK_SIGNING_SECRET'),
    botToken: required(env, 'SLACK_BOT_TOKEN'),
    // Socket Mode: the bot connects with this app-level token instead of being called at KVCSI_BOT_URL.
    ...(env.SLACK_APP_TOKEN ? { socketMode: { appToken: env.SLACK_APP_TOKEN } } : {}),
  });
  process.stdout.write(`kvcsi console on ${server.url} (bot: SLACK_API_URL=${server.apiUrl})\n`);
  const stop = (): void => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`kvcsi console: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
