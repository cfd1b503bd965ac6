import { useApi } from '@backstage/core-plugin-api';
import { checkSecretName, type RequestActionResponse } from '@kvcsi/backstage-plugin-common';
import { Alert, Button, Checkbox, CheckboxGroup, Dialog, DialogBody, DialogFooter, DialogHeader, DialogTrigger, Flex, TextAreaField, TextField } from '@backstage/ui';
import { useState, type FormEvent } from 'react';
import { kvcsiApiRef } from '../api/KvcsiApi.js';
import { errorText } from './errors.js';

export interface RequestForm {
  name: string;
  clusters: string[];
  justification: string;
}

/** What is wrong with the form, per field (Key Vault's secret name rules come from -common, like the backend's). */
export function validateRequest(form: RequestForm): Partial<Record<keyof RequestForm, string>> {
  const nameProblem = form.name === '' ? 'A secret name is required' : checkSecretName(form.name);
  return {
    ...(nameProblem ? { name: nameProblem.startsWith('must') ? `The name ${nameProblem}` : nameProblem } : {}),
    ...(form.clusters.length === 0 ? { clusters: 'Pick at least one cluster' } : {}),
    ...(form.justification.trim() === '' ? { justification: 'Say why the app needs it' } : {}),
  };
}

const EMPTY: RequestForm = { name: '', clusters: [], justification: '' };

/** "Request a secret": name, clusters and justification, checked before anything is sent. */
export function RequestSecretDialog(props: { entityRef: string; clusters: string[]; onRequested(results: RequestActionResponse[]): void }) {
  const api = useApi(kvcsiApiRef);
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState<RequestForm>(EMPTY);
  const [submitted, setSubmitted] = useState(false);
  const [sending, setSending] = useState(false);
  const [failure, setFailure] = useState<string>();
  const problems = submitted ? validateRequest(form) : {};

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (Object.keys(validateRequest(form)).length > 0) return;
    setSending(true);
    setFailure(undefined);
    api.requestSecret({ entityRef: props.entityRef, name: form.name, clusters: form.clusters, justification: form.justification.trim() }).then(
      (response) => {
        setSending(false);
        setOpen(false);
        setForm(EMPTY);
        setSubmitted(false);
        props.onRequested(response.results);
      },
      (error: Error) => {
        setSending(false);
        setFailure(errorText(error));
      },
    );
  };

  return (
    <DialogTrigger isOpen={open} onOpenChange={setOpen}>
      <Button variant="primary">Request a secret</Button>
      <Dialog width={520}>
        <form onSubmit={submit} noValidate aria-label="Request a secret">
          <DialogHeader>Request a secret</DialogHeader>
          <DialogBody>
            <Flex direction="column" gap="3">
              <TextField
                label="Secret name" isRequired autoFocus value={form.name} onChange={(name) => setForm({ ...form, name })}
                description="Letters, digits and dashes, up to 127 characters (Key Vault's rule)"
                validationBehavior="aria" validate={() => problems.name ?? null}
              />
              <CheckboxGroup
                label="Clusters" isRequired value={form.clusters} onChange={(clusters) => setForm({ ...form, clusters })}
                validationBehavior="aria" validate={() => problems.clusters ?? null}
              >
                {props.clusters.map((cluster) => <Checkbox key={cluster} value={cluster}>{cluster}</Checkbox>)}
              </CheckboxGroup>
              <TextAreaField
                label="Justification" isRequired value={form.justification} onChange={(justification) => setForm({ ...form, justification })}
                validationBehavior="aria" validate={() => problems.justification ?? null}
              />
              {failure ? <Alert status="danger" icon title="The request was not made" description={failure} /> : null}
            </Flex>
          </DialogBody>
          <DialogFooter>
            <Button variant="secondary" slot="close">Cancel</Button>
            <Button variant="primary" type="submit" isPending={sending}>Send request</Button>
          </DialogFooter>
        </form>
      </Dialog>
    </DialogTrigger>
  );
}
