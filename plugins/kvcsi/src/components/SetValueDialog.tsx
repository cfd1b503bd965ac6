import { useApi } from '@backstage/core-plugin-api';
import type { RequestActionResponse, SecretRequestDto } from '@kvcsi/backstage-plugin-common';
import { Alert, Button, Dialog, DialogBody, DialogFooter, DialogHeader, DialogTrigger, Flex, PasswordField, Text } from '@backstage/ui';
import { useState, type FormEvent } from 'react';
import { kvcsiApiRef } from '../api/KvcsiApi.js';
import { errorText } from './errors.js';

/**
 * "Set value" of an approved secret request: a password field, sent once. The value lives in this component's state
 * only until it is sent (or the dialog closes) and is never rendered back.
 */
export function SetValueDialog(props: { entityRef: string; request: SecretRequestDto; onSet(result: RequestActionResponse): void }) {
  const api = useApi(kvcsiApiRef);
  const [open, setOpen] = useState(false);
  const [value, setValue] = useState('');
  const [sending, setSending] = useState(false);
  const [problem, setProblem] = useState<string>();
  const secret = props.request.secretName ?? 'the secret';

  const close = (isOpen: boolean) => {
    setOpen(isOpen);
    if (!isOpen) {
      setValue('');
      setProblem(undefined);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (value === '') {
      setProblem('Type the value');
      return;
    }
    setSending(true);
    setProblem(undefined);
    const sent = value;
    // Forget it at once: a retry means typing it again.
    setValue('');
    api.setSecretValue(props.request.id, { entityRef: props.entityRef, value: sent }).then(
      (result) => {
        setSending(false);
        close(false);
        props.onSet(result);
      },
      (error: Error) => {
        setSending(false);
        setProblem(errorText(error));
      },
    );
  };

  return (
    <DialogTrigger isOpen={open} onOpenChange={close}>
      <Button size="small" variant="primary" aria-label={`Set the value of ${secret} on ${props.request.cluster}`}>Set value</Button>
      <Dialog width={480}>
        <form onSubmit={submit} noValidate aria-label={`Set the value of ${secret}`}>
          <DialogHeader>Set the value of {secret}</DialogHeader>
          <DialogBody>
            <Flex direction="column" gap="3">
              <Text as="p">
                It goes to {props.request.vault ?? 'the vault'} on {props.request.cluster} once, and is never shown again, here or anywhere.
              </Text>
              <PasswordField label="Secret value" isRequired autoComplete="new-password" value={value} onChange={setValue} />
              {problem ? <Alert status="danger" icon title="The value was not set" description={problem} /> : null}
            </Flex>
          </DialogBody>
          <DialogFooter>
            <Button variant="secondary" slot="close">Cancel</Button>
            <Button variant="primary" type="submit" isPending={sending}>Save value</Button>
          </DialogFooter>
        </form>
      </Dialog>
    </DialogTrigger>
  );
}
