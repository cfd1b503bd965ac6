/** Pieces every presenter shares: outcome and severity badges, usage and error replies. */
import { KvcsiError, type ActionOutcome, type CommandUsageError, type KvcsiErrorCode, type RequestStatus, type Severity } from '@kvcsi/core';
import { codeSection, context, escapeMrkdwn, section, type SlackMessage } from '../blocks/kit.js';

export const SEVERITY_BADGE: Readonly<Record<Severity, string>> = {
  error: ':red_circle: Error',
  warning: ':large_orange_circle: Warning',
  info: ':large_blue_circle: Info',
};

export const OUTCOME_BADGE: Readonly<Record<ActionOutcome['status'], string>> = {
  planned: ':memo: Planned (dry run)',
  pending: ':hourglass_flowing_sand: Waiting for approval',
  approved: ':+1: Approved',
  applied: ':white_check_mark: Applied',
  unchanged: ':white_check_mark: Already in place',
  rejected: ':no_entry: Rejected',
  expired: ':hourglass: Expired',
  failed: ':x: Failed',
};

export const REQUEST_BADGE: Readonly<Record<RequestStatus, string>> = {
  pending: ':hourglass_flowing_sand: Pending',
  approved: ':+1: Approved',
  rejected: ':no_entry: Rejected',
  expired: ':hourglass: Expired',
  applied: ':white_check_mark: Applied',
  failed: ':x: Failed',
};

export function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

export function usageReply(error: CommandUsageError): SlackMessage {
  const { block } = codeSection('*Usage*', error.usage);
  return {
    text: error.message,
    blocks: [section(`:warning: ${escapeMrkdwn(error.message)}`), block, context('`/kvcsi help` lists every command.')],
  };
}

const ERROR_LEAD: Readonly<Record<KvcsiErrorCode, string>> = {
  INVALID_INPUT: ':warning: That does not work as given',
  CONFIG_INVALID: ':gear: kvcsi is misconfigured',
  NOT_FOUND: ':mag: Not found',
  ALREADY_EXISTS: ':warning: Already exists',
  UNAUTHENTICATED: ':lock: kvcsi cannot authenticate',
  FORBIDDEN: ':no_entry: Not allowed',
  CONFLICT: ':twisted_rightwards_arrows: Someone else changed this first',
  THROTTLED: ':turtle: Azure or Kubernetes is throttling kvcsi; try again in a minute',
  UNAVAILABLE: ':electric_plug: A service kvcsi needs is unavailable; try again',
  TIMEOUT: ':stopwatch: That took too long; try again',
  ABORTED: ':stop_sign: Cancelled',
  INTERNAL: ':boom: Something went wrong inside kvcsi',
};

/**
 * A person-facing message for any error. KvcsiError messages are written to be shown; anything else is a bug
 * whose text might carry anything, so only a reference id is shown and the error is logged under it.
 */
/**
 * Server file paths (the config file, a key file, a database) say nothing to the person in Slack and map the server
 * for an attacker: "Unknown cluster "x" in /etc/kvcsi/kvcsi.yaml" becomes "… in the kvcsi configuration" (issue 19).
 * ARM ids (/subscriptions/…) and URLs stay.
 */
const SERVER_PATH = /(?<![\w:/.-])(?:[A-Za-z]:\\|~\/|\.{1,2}\/|\/(?!subscriptions\/|providers\/)(?=[\w.@-]+\/))(?:[\w.@-]+[\\/])*[\w.@-]+/g;
const CONFIG_FILE = /\.(ya?ml|json)$/i;

export function hideServerPaths(text: string): string {
  return text.replace(SERVER_PATH, (match) => {
    // A sentence's full stop is not part of the path.
    const path = match.replace(/\.+$/, '');
    return `${CONFIG_FILE.test(path) ? 'the kvcsi configuration' : 'a file on the server'}${match.slice(path.length)}`;
  });
}

export function errorReply(error: unknown, referenceId: string, scrub: (text: string) => string = (text) => text): SlackMessage {
  if (error instanceof KvcsiError && error.code !== 'INTERNAL') {
    const lead = ERROR_LEAD[error.code];
    const message = hideServerPaths(scrub(error.message));
    return { text: `${lead}: ${message}`, blocks: [section(`${lead}\n${escapeMrkdwn(message)}`), context(`reference ${code(referenceId)}`)] };
  }
  const lead = ERROR_LEAD.INTERNAL;
  return { text: lead, blocks: [section(`${lead}. The details are in the bot's log.`), context(`reference ${code(referenceId)}`)] };
}

export function plain(text: string): SlackMessage {
  return { text, blocks: [section(text)] };
}
