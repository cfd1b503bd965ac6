/** Core results → the -common wire types. Whitelists fields, so nothing new in the core leaks by accident. */
import type { FindingDto, RequestActionResponse, SecretRequestDto } from '@kvcsi/backstage-plugin-common';
import type { AccessRequest, Finding, SecretActionResult } from '@kvcsi/core';

export function toRequestDto(request: AccessRequest): SecretRequestDto {
  return {
    id: request.id, kind: request.kind, status: request.status, requester: request.requester, justification: request.justification,
    ...(request.target.app !== undefined ? { app: request.target.app } : {}),
    cluster: request.target.cluster, tier: request.target.tier,
    ...(request.target.vault !== undefined ? { vault: request.target.vault } : {}),
    ...(request.target.secretName !== undefined ? { secretName: request.target.secretName } : {}),
    approvalRequired: request.approvalRequired,
    ...(request.approverGroup !== undefined ? { approverGroup: request.approverGroup } : {}),
    createdAt: request.createdAt, updatedAt: request.updatedAt, expiresAt: request.expiresAt,
    ...(request.decision ? { decision: { by: request.decision.by, at: request.decision.at, ...(request.decision.reason ? { reason: request.decision.reason } : {}) } } : {}),
    ...(request.outcome ? { outcome: { changed: request.outcome.changed, ...(request.outcome.message ? { message: request.outcome.message } : {}) } } : {}),
    ...(request.failureReason !== undefined ? { failureReason: request.failureReason } : {}),
  };
}

export function toActionResponse(result: SecretActionResult): RequestActionResponse {
  return {
    ...(result.request ? { request: toRequestDto(result.request) } : {}),
    status: result.outcome.status, message: result.outcome.message, warnings: result.outcome.warnings,
    vault: result.vault, secretName: result.secretName,
    ...(result.secret?.version !== undefined ? { version: result.secret.version } : {}),
    snippet: { objectsEntry: result.snippet.objectsEntry, secretObjectsLine: result.snippet.secretObjectsLine },
  };
}

export function toFindingDto(finding: Finding): FindingDto {
  return {
    id: finding.id, severity: finding.severity, title: finding.title, summary: finding.summary, evidence: finding.evidence,
    cause: finding.cause, fix: finding.fix, confidence: finding.confidence,
    ...(finding.action ? { action: finding.action } : {}),
    ...(finding.subject ? { subject: finding.subject } : {}),
    ...(finding.causedBy ? { causedBy: finding.causedBy } : {}),
    ...(finding.earlier ? { earlier: true } : {}),
  };
}
