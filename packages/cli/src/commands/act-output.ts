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

export function printSecretAction(context: CommandContext, result: SecretActionResult): number {
  if (context.options.format === 'json') {
    context.json(secretActionToJson(result));
    return exitCodeOf(result);
  }
  context.out(formatActionResult(result));
  if (result.secret) context.out(`secret ${result.secretName} in ${result.vault}${result.secret.version ? `, version ${result.secret.version}` : ''}\n`);
  if (result.outcome.status !== 'failed' && result.outcome.status !== 'rejected') {
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
