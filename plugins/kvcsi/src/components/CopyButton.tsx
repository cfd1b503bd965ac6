import { Button } from '@backstage/ui';
import { useState } from 'react';

/** Copies text (commands, a snippet — never a secret value) to the clipboard, and says so. */
export function CopyButton(props: { text: string; label: string }) {
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no');
  const copy = () => {
    navigator.clipboard.writeText(props.text).then(() => setCopied('yes'), () => setCopied('failed'));
  };
  return (
    <Button size="small" variant="secondary" aria-label={props.label} onPress={copy}>
      {copied === 'yes' ? 'Copied' : copied === 'failed' ? 'Copy failed' : 'Copy'}
    </Button>
  );
}
