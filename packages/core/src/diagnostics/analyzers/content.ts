/** E. Content conversion after a successful fetch: PFX, keys, encodings, chains. */
import { getSpcCommand } from '../commands.js';
import { podNamespace } from '../context.js';
import type { PodFacts } from '../facts.js';
import { DOCS, type Finding } from '../finding.js';
import { fieldOf, podFinding, signalGroups, type Analyzer } from './helpers.js';

const CONTENT: Record<string, { title: string; cause: string; severity: 'error' | 'info' }> = {
  E1: { title: 'The certificate\'s PFX could not be converted to PEM', cause: 'Password-protected PFX, unsupported algorithms, or an old provider. Use objectFormat: pfx with objectEncoding: base64 and convert in the app, or upgrade the provider.', severity: 'error' },
  E2: { title: 'The private key is in an unsupported format', cause: 'Only PKCS#1, PKCS#8 and EC keys convert to PEM.', severity: 'error' },
  E3: { title: 'The certificate-backed secret has an unknown content type', cause: 'Only application/x-pkcs12 and application/x-pem-file convert.', severity: 'error' },
  E4: { title: 'The key type or curve is not supported', cause: 'objectType key supports RSA and EC P-256/384/521 only (not oct).', severity: 'error' },
  E5: { title: 'objectEncoding does not match the stored value', cause: 'objectEncoding base64/hex decodes the stored value; a PEM or plain value with objectEncoding: base64 fails.', severity: 'error' },
  E6: { title: 'The certificate chain is incomplete (order kept as stored)', cause: 'Missing intermediate or root in the Key Vault certificate; harmless for most apps.', severity: 'info' },
};

export const analyzeContent: Analyzer = (facts: PodFacts): Finding[] =>
  signalGroups(facts, Object.keys(CONTENT)).map(({ id, signals }) => {
    const spec = CONTENT[id]!;
    const object = fieldOf(signals, 'objectName');
    return podFinding(facts, signals, {
      id,
      severity: spec.severity,
      title: spec.title,
      summary: `${spec.title}${object ? ` (${object})` : ''}.`,
      cause: spec.cause,
      fix: { commands: [getSpcCommand(podNamespace(facts), undefined)], docs: [DOCS.providerConfig] },
    });
  });
