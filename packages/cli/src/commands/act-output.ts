/** How the acting commands print: text for people, `{"request","plan","outcome"}` for scripts. */
import { formatActionResult, formatGrantPlan, type AccessRequest, type ActionResult, type SecretActionResult } from '@kvcsi/core';
import type { CommandContext } from '../context.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit-codes.js';

/** The JSON contract of a request: everything the store holds (never a value: requests carry none). */
export function requestToJson(request: AccessRequest | undefined): Record<string, unknown> | null {
  return request ? { ...request } : null;
}

export function actionToJson(result: ActionResult): Record<string, unknown> {
  return { request: requestToJson(result.request), plan: result.plan ?? null, outcome: result.outcome };
}

export function secretActionToJson(result: SecretActionResult): Record<string, unknown> {
  return { ...actionToJson(result), vault: result.vault, secretName: result.secretName, secret: result.secret ?? null, snippet: result.snippet };
}

/** Exit 0 unless the action failed (a pending request is a success: it waits for someone else). */
export function exitCodeOf(result: ActionResult): number {
  return result.outcome.status === 'failed' ? EXIT_FAILURE : EXIT_OK;
}

export function printAction(context: CommandContext, result: ActionResult, options: { showPlan?: boolean } = {}): number {
  if (context.options.format === 'json') {
    context.json(actionToJson(result));
  } else {
    if (options.showPlan !== false && result.plan) context.out(`${formatGrantPlan(result.plan)}\n`);
    context.out(formatActionResult({ ...result, ...(result.plan ? { plan: result.plan } : {}) }));
  }
  return exitCodeOf(result);
}

/** Whether a result carries a secret (an approved secret-recover does; an approved grant or secret-create does not). */
export function isSecretActionResult(result: ActionResult): result is SecretActionResult {
  const candidate = result as Partial<SecretActionResult>;
  return typeof candidate.secretName === 'string' && typeof candidate.vault === 'string' && candidate.snippet !== undefined;
}

/**
 * `snippet: false` leaves out the SecretProviderClass lines: a recovered secret is the one the app already mounts,
 * and an approver has no SecretProviderClass to edit. JSON always carries the snippet.
 */
export function printSecretAction(context: CommandContext, result: SecretActionResult, options: { snippet?: boolean } = {}): number {
  if (context.options.format === 'json') {
    context.json(secretActionToJson(result));
    return exitCodeOf(result);
  }
  context.out(formatActionResult(result));
  if (result.secret) context.out(`secret ${result.secretName} in ${result.vault}${result.secret.version ? `, version ${result.secret.version}` : ''}\n`);
  if (options.snippet !== false && result.outcome.status !== 'failed' && result.outcome.status !== 'rejected') {
    context.out([
      '',
      'Add to the app\'s SecretProviderClass, under parameters.objects → array:',
      result.snippet.objectsEntry.trimEnd(),
      'and, to sync it into a Kubernetes Secret, under secretObjects[].data:',
      result.snippet.secretObjectsLine.trimEnd(),
      '',
    ].join('\n'));
  }
  return exitCodeOf(result);
}

/** An approval or rejection: a recover's (a secret result) as `secret recover` prints it, without the snippet; others as before. */
export function printDecision(context: CommandContext, result: ActionResult): number {
  return isSecretActionResult(result) ? printSecretAction(context, result, { snippet: false }) : printAction(context, result, { showPlan: false });
}
