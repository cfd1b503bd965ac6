import fc from 'fast-check';
import { KVCSI_VERBS, VERBS, usageLines } from './grammar.js';
import { isWriteCommand, parseCommand, type KvcsiCommand } from './parse.js';
import { normalizeCommandText, tokenizeCommand } from './tokenize.js';

function parsed(text: string): KvcsiCommand {
  const result = parseCommand(text);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(text)} to parse, got: ${result.error.message}`);
  return result.command;
}

function failure(text: string): { message: string; usage: string[]; verb?: string } {
  const result = parseCommand(text);
  if (result.ok) throw new Error(`expected ${JSON.stringify(text)} to fail, got ${JSON.stringify(result.command)}`);
  return result.error;
}

describe('tokenizeCommand', () => {
  it('splits on any run of whitespace, including non-breaking spaces and tabs', () => {
    expect(tokenizeCommand('  grant\u00A0 defectdojo\tcafehyna-prd  ')).toEqual({ ok: true, tokens: ['grant', 'defectdojo', 'cafehyna-prd'] });
  });

  it('groups quoted words, with straight or smart quotes', () => {
    expect(tokenizeCommand('a "b c" \'d e\'')).toEqual({ ok: true, tokens: ['a', 'b c', 'd e'] });
    expect(tokenizeCommand('a \u201Cb c\u201D \u2018d e\u2019')).toEqual({ ok: true, tokens: ['a', 'b c', 'd e'] });
  });

  it('keeps an empty quoted word and honours backslash escapes', () => {
    expect(tokenizeCommand('a "" b\\ c')).toEqual({ ok: true, tokens: ['a', '', 'b c'] });
  });

  it('reports an unclosed quote', () => {
    expect(tokenizeCommand('grant "defectdojo')).toEqual({ ok: false, message: 'A double quote is not closed.' });
  });

  it('undoes Slack escaping and link markup', () => {
    expect(normalizeCommandText('a &lt;b&gt; &amp; <https://x.example|x.example> <#C123|general>')).toBe('a <b> & x.example general');
  });

  it('turns an autocorrected em or en dash at a word start back into --', () => {
    expect(normalizeCommandText('diagnose \u2014app defectdojo \u2013c cafehyna-prd')).toBe('diagnose --app defectdojo --c cafehyna-prd');
    expect(normalizeCommandText('a\u2014b')).toBe('a\u2014b');
  });

  it('never throws and never yields a word with whitespace from outside quotes', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const result = tokenizeCommand(text);
        if (result.ok && !/["'\\\u201C\u201D\u2018\u2019\u201E\u201F\u00AB\u00BB\u2033\u201A\u201B\u2032]/.test(text)) {
          for (const token of result.tokens) expect(token).not.toMatch(/\s/);
        }
      }),
    );
  });
});

describe('parseCommand: each verb', () => {
  it('treats empty text and --help as help', () => {
    expect(parsed('')).toEqual({ verb: 'help', public: false });
    expect(parsed('   ')).toEqual({ verb: 'help', public: false });
    expect(parsed('--help')).toEqual({ verb: 'help', public: false });
    expect(parsed('help grant')).toEqual({ verb: 'help', topic: 'grant', public: false });
    expect(parsed('grant --help')).toEqual({ verb: 'help', topic: 'grant', public: false });
  });

  it('parses clusters and status, with or without a cluster', () => {
    expect(parsed('clusters')).toEqual({ verb: 'clusters', public: false });
    expect(parsed('status -c cafehyna-prd')).toEqual({ verb: 'status', cluster: 'cafehyna-prd', public: false });
    expect(parsed('status --cluster=cafehyna-prd')).toEqual({ verb: 'status', cluster: 'cafehyna-prd', public: false });
    expect(parsed('status')).toEqual({ verb: 'status', public: false });
  });

  it('parses bindings with an optional app and cluster', () => {
    expect(parsed('bindings')).toEqual({ verb: 'bindings', public: false });
    expect(parsed('bindings defectdojo -c cafehyna-prd')).toEqual({ verb: 'bindings', app: 'defectdojo', cluster: 'cafehyna-prd', public: false });
  });

  it('parses diagnose of a pod (-n or namespace/pod) and of an app', () => {
    const pod = { verb: 'diagnose', target: { kind: 'pod', pod: 'defectdojo-7c9f-abcde', namespace: 'defectdojo' }, cluster: 'cafehyna-prd', public: false };
    expect(parsed('diagnose defectdojo-7c9f-abcde -n defectdojo -c cafehyna-prd')).toEqual(pod);
    expect(parsed('diagnose -c cafehyna-prd defectdojo/defectdojo-7c9f-abcde')).toEqual(pod);
    expect(parsed('diagnose --app defectdojo -c cafehyna-prd')).toEqual({ verb: 'diagnose', target: { kind: 'app', app: 'defectdojo' }, cluster: 'cafehyna-prd', public: false });
    expect(parsed('diagnose \u2014app defectdojo')).toEqual({ verb: 'diagnose', target: { kind: 'app', app: 'defectdojo' }, public: false });
  });

  it('parses grant (with --dry-run) and revoke; the cluster may come as -c', () => {
    expect(parsed('grant defectdojo cafehyna-prd')).toEqual({ verb: 'grant', app: 'defectdojo', cluster: 'cafehyna-prd', dryRun: false, public: false });
    expect(parsed('GRANT   defectdojo   cafehyna-prd --dry-run --public')).toEqual({ verb: 'grant', app: 'defectdojo', cluster: 'cafehyna-prd', dryRun: true, public: true });
    expect(parsed('revoke defectdojo -c cafehyna-prd')).toEqual({ verb: 'revoke', app: 'defectdojo', cluster: 'cafehyna-prd', public: false });
  });

  it('parses secret create, secret request and secret recover', () => {
    expect(parsed('secret create grafana-admin -c cafehyna-dev')).toEqual({ verb: 'secret-create', name: 'grafana-admin', cluster: 'cafehyna-dev', public: false });
    expect(parsed('secret recover argocd-notifications-slack-token --app argocd-notifications -c cafehyna-hub')).toEqual({
      verb: 'secret-recover', name: 'argocd-notifications-slack-token', app: 'argocd-notifications', cluster: 'cafehyna-hub', public: false,
    });
    expect(parsed('secret recover db-password')).toEqual({ verb: 'secret-recover', name: 'db-password', public: false });
    expect(parsed('secret request db-password --app billing -c painelclientes-prd')).toEqual({
      verb: 'secret-request', name: 'db-password', app: 'billing', cluster: 'painelclientes-prd', public: false,
    });
  });

  it('parses spc with repeatable object flags', () => {
    expect(parsed('spc defectdojo -c cafehyna-prd -n defectdojo --secret defectdojo-admin=admin --secret db --sync-to defectdojo --workload-identity --name dd')).toEqual({
      verb: 'spc', app: 'defectdojo', cluster: 'cafehyna-prd', namespace: 'defectdojo',
      secrets: ['defectdojo-admin=admin', 'db'], certs: [], syncTo: ['defectdojo'], tls: [], workloadIdentity: true, spcName: 'dd', public: false,
    });
  });

  it('parses requests (all, or one id) and audit', () => {
    expect(parsed('requests')).toEqual({ verb: 'requests', public: false });
    expect(parsed('requests req-0123456789')).toEqual({ verb: 'requests', id: 'req-0123456789', public: false });
    expect(parsed('audit defectdojo --public')).toEqual({ verb: 'audit', app: 'defectdojo', public: true });
  });

  it('accepts quoted values from smart-quote keyboards', () => {
    expect(parsed('grant \u201Cdefectdojo\u201D \u2018cafehyna-prd\u2019')).toMatchObject({ app: 'defectdojo', cluster: 'cafehyna-prd' });
  });
});

describe('parseCommand: usage errors name what was wrong', () => {
  it.each([
    ['frobnicate', /Unknown command "frobnicate"/],
    ['grnat defectdojo cafehyna-prd', /did you mean `grant`/],
    ['grant', /Missing the app/],
    ['grant defectdojo', /Missing the cluster: grant defectdojo <cluster>/],
    ['grant defectdojo cafehyna-prd extra', /Unexpected "extra"/],
    ['grant defectdojo cafehyna-prd -c cafehyna-dev', /Two clusters given/],
    ['grant Defect_Dojo cafehyna-prd', /The app name "Defect_Dojo"/],
    ['grant defectdojo cafehyna-prd --dryrun', /Unknown flag --dryrun \(did you mean --dry-run\?\)/],
    ['status --dry-run', /`status` does not take --dry-run/],
    ['status -c', /-c needs a value/],
    ['diagnose', /Missing the pod/],
    ['diagnose web-1', /Missing the namespace/],
    ['diagnose web-1 --app web', /either a pod or --app/],
    ['diagnose ns/web-1 -n other', /different namespaces/],
    ['secret', /Missing `create`, `request` or `recover`/],
    ['secret recover x hunter2', /^(?!.*hunter2).*takes none/],
    ['secret recover bad_name', /The secret name "bad_name"/],
    ['secret delete x', /`secret delete` is not a command/],
    ['secret create bad_name', /The secret name "bad_name"/],
    ['secret request db', /Missing the app: --app <app>/],
    ['secret create x --app y', /does not take --app/],
    ['secret create x hunter2', /^(?!.*hunter2).*never into the command/],
    ['requests 42', /"42" is not a request id/],
    ['help nothing', /There is no command "nothing"/],
    ['grant "defectdojo', /quote is not closed/],
    ['grant --dry-run=yes a b', /is a switch/],
    ['status -c a -c b', /-c is given twice/],
  ])('%s', (text, message) => {
    expect(failure(text).message).toMatch(message);
  });

  it('shows the usage of the verb it understood, or of every verb', () => {
    expect(failure('grant').usage).toEqual(['/kvcsi grant <app> <cluster> [--dry-run]']);
    expect(failure('grant').verb).toBe('grant');
    expect(failure('nope').usage).toEqual(usageLines());
    expect(parseCommand('grant', { commandName: 'kvcsi' })).toMatchObject({ ok: false, error: { usage: ['kvcsi grant <app> <cluster> [--dry-run]'] } });
  });

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...KVCSI_VERBS, '-c', '-n', '--app', '--public', '--dry-run', 'create', 'request', 'x'), fc.string()), { maxLength: 8 }), (words) => {
        const result = parseCommand(words.join(' '));
        expect(typeof result.ok).toBe('boolean');
        if (!result.ok) expect(result.error.message.length).toBeGreaterThan(0);
      }),
    );
  });
});

describe('grammar table', () => {
  it('has usage and a summary for every verb', () => {
    for (const verb of KVCSI_VERBS) {
      expect(VERBS[verb].usage.length).toBeGreaterThan(0);
      expect(VERBS[verb].summary).not.toBe('');
    }
  });

  it('marks grant (not a dry run), revoke and secrets as writes', () => {
    expect(isWriteCommand(parsed('grant a b'))).toBe(true);
    expect(isWriteCommand(parsed('grant a b --dry-run'))).toBe(false);
    expect(isWriteCommand(parsed('revoke a b'))).toBe(true);
    expect(isWriteCommand(parsed('secret create x'))).toBe(true);
    expect(isWriteCommand(parsed('secret request x --app a'))).toBe(true);
    expect(isWriteCommand(parsed('secret recover x'))).toBe(true);
    expect(isWriteCommand(parsed('diagnose --app a'))).toBe(false);
    expect(isWriteCommand(parsed('spc a --secret x'))).toBe(false);
  });
});
