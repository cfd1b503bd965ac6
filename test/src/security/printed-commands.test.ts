import { analyzeApp, explain, shellQuote, type AppFacts, type Finding } from '@kvcsi/core';
import { buildProgram } from '@kvcsi/cli';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadCorpus } from '../corpus/corpus';

// Issue 19: fix commands interpolate names an SPC author (or a pasted text) controls. Every value must stay one shell
// word, and every `kvcsi …` command must be one the CLI accepts.

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kvcsi-printed-commands-'));
const marker = path.join(workDir, 'pwned');
/** Names an attacker would write: each runs `touch <marker>` if the printed command does not quote it. */
const EVIL = [`x$(touch\${IFS}${marker})`, `x\`touch\${IFS}${marker}\``, `x;touch\${IFS}${marker}`];

/** A kubelet FailedMount for a secret that does not exist (the provider's text: corpus d7-secretnotfound-autorest). */
const notFound = (objectName: string) =>
  `MountVolume.SetUp failed for volume "secrets-volume" : rpc error: code = Unknown desc = failed to mount secrets store objects for pod test/testpod-bf48f7867-ztd42, err: rpc error: code = Unknown desc = failed to mount objects, error: failed to get objectType:secret, objectName:${objectName}, objectVersion:: keyvault.BaseClient#GetSecret: Failure responding to request: StatusCode=404 -- Original Error: autorest/azure: Service returned an error. Status=404 Code="SecretNotFound" Message="A secret with (name/id) ${objectName} was not found in this key vault."`;

/** An app whose SPC no pod mounts (K2), with an SPC name an attacker chose. */
function unmountedSpc(name: string, app = 'defectdojo'): AppFacts {
  return {
    target: { kind: 'app', app, cluster: 'cafehyna-dev', namespace: 'defectdojo' },
    pods: [],
    secretProviderClasses: { status: 'known', value: [{ spc: { metadata: { name, namespace: 'defectdojo' }, spec: { provider: 'azure', parameters: {} } }, mountedBy: [] }] },
    secrets: {},
  } as unknown as AppFacts;
}

function commandsOf(findings: readonly Finding[]): string[] {
  return findings.flatMap((finding) => finding.fix.commands);
}

/** Every fix command kvcsi prints: the corpus, and texts and facts carrying the attacker's names. */
function allCommands(): string[] {
  const corpus = loadCorpus().flatMap((entry) => commandsOf(explain(entry.text).findings));
  const evil = EVIL.flatMap((name) => [
    ...commandsOf(explain(notFound(name)).findings),
    ...commandsOf(analyzeApp(unmountedSpc(name))),
  ]);
  return [...new Set([...corpus, ...evil, ...commandsOf(explain(notFound('testSecret1')).findings), ...commandsOf(analyzeApp(unmountedSpc('defectdojo-spc')))])];
}

/** A directory of stand-ins for the tools the commands call: each exits 0 and prints nothing. */
function stubTools(): string {
  const bin = path.join(workDir, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  for (const tool of ['az', 'kubectl', 'kvcsi', 'helm', 'nslookup', 'curl', 'openssl', 'dig']) {
    fs.writeFileSync(path.join(bin, tool), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  }
  return bin;
}

describe('printed fix commands', () => {
  const commands = allCommands();

  it('carry the attacker\'s names (so the checks below see them)', () => {
    expect(commands.some((command) => command.includes('touch'))).toBe(true);
    expect(commands.some((command) => command.startsWith('kvcsi secret create'))).toBe(true);
  });

  it('run nothing an SPC author wrote: each command, pasted into sh, leaves no marker', () => {
    const bin = stubTools();
    for (const command of commands) {
      try {
        execFileSync('sh', ['-c', command], { cwd: workDir, env: { PATH: `${bin}:/usr/bin:/bin`, HOME: workDir }, stdio: 'ignore', timeout: 5000 });
      } catch {
        // A command may fail (a stand-in prints nothing for a pipe); what matters is what it ran.
      }
      if (fs.existsSync(marker)) throw new Error(`this printed command ran the attacker's text:\n${command}`);
    }
  });

  it('every kvcsi command parses with the kvcsi CLI (commands and flags that exist)', async () => {
    const kvcsi = commands.filter((command) => command.startsWith('kvcsi '));
    expect(kvcsi.length).toBeGreaterThan(0);
    for (const command of kvcsi) {
      // The words as sh sees them (a comment dropped, placeholders filled in as the reader would), NUL-separated by sh.
      const runnable = command.replace(/\s+#.*$/, '').replace(/<([a-z][a-z0-9-]*)>/g, 'filled-$1');
      const words = execFileSync('sh', ['-c', `set -- ${runnable}; printf '%s\\0' "$@"`], { encoding: 'utf8' }).split('\0').slice(1, -1);
      const program = buildProgram({ stdout: { write: () => true }, stderr: { write: () => true } } as never, () => undefined, words[0]);
      // Parse only: every action is replaced, so nothing runs; unknown commands and flags throw (exitOverride).
      const replaceActions = (cmd: typeof program) => {
        cmd.commands.forEach((child) => {
          child.action(() => undefined);
          child.exitOverride();
          replaceActions(child);
        });
      };
      replaceActions(program);
      await expect(program.parseAsync(words, { from: 'user' })).resolves.toBeDefined();
    }
  });

  it('quote values so they survive sh -c printf round trips', () => {
    for (const value of [...EVIL, 'plain-name', 'it\'s', 'a b', '', '*', '$HOME', '\\n', 'line\nbreak', '<namespace> x']) {
      expect(execFileSync('sh', ['-c', `printf %s ${shellQuote(value)}`], { encoding: 'utf8' })).toBe(value);
    }
  });
});
