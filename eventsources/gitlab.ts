// GitLab webhook event source (Argo's `gitlab`): receives GitLab's webhook requests on `webhook` {port, endpoint,
// method, maxPayloadSize}. Config keys read: webhook, secretToken (compared in constant time with X-Gitlab-Token;
// 401 when it differs), events (Argo's names such as PushEvents, MergeRequestsEvents; matched against the
// X-Gitlab-Event header, others are answered 200 and dropped), metadata, filter (host). Registration settings
// (projects, groups, accessToken, gitlabBaseURL, enableSSLVerification, deleteHookOnFinish) are accepted and unused:
// Weir does not create the hook on GitLab. Emits Argo's GitLabEventData `{headers, body, metadata}` with the body as
// sent. Event id: X-Gitlab-Event-UUID (or Idempotency-Key), so GitLab's retries are the same event.
import { HookFailure, hookSecret, jsonBody, safeEqual, serveGitHook } from './common/git-hook-kit.js';
import type { EventSourceAdapter, StartContext } from '../src/api/eventsource-adapter.js';

/** Argo's `events` names -> the X-Gitlab-Event header GitLab sends for them. */
export const GITLAB_EVENT_HEADERS: Record<string, string[]> = {
  PushEvents: ['Push Hook'],
  TagPushEvents: ['Tag Push Hook'],
  IssuesEvents: ['Issue Hook'],
  ConfidentialIssuesEvents: ['Confidential Issue Hook'],
  MergeRequestsEvents: ['Merge Request Hook'],
  NoteEvents: ['Note Hook'],
  ConfidentialNoteEvents: ['Confidential Note Hook'],
  JobEvents: ['Job Hook'],
  PipelineEvents: ['Pipeline Hook'],
  WikiPageEvents: ['Wiki Page Hook'],
  DeploymentEvents: ['Deployment Hook'],
  ReleasesEvents: ['Release Hook'],
  FeatureFlagEvents: ['Feature Flag Hook'],
  EmojiEvents: ['Emoji Hook'],
  ResourceAccessTokenEvents: ['Resource Access Token Hook'],
  MemberEvents: ['Member Hook'],
  SubgroupEvents: ['Subgroup Hook'],
};

function wanted(events: unknown, header: string): boolean {
  if (!Array.isArray(events) || events.length === 0) return true;
  return events.some((e) => e === '*' || e === header || (typeof e === 'string' && (GITLAB_EVENT_HEADERS[e] ?? []).includes(header)));
}

async function start(ctx: StartContext): Promise<void> {
  await serveGitHook(ctx, 'gitlab', async (r) => {
    const secret = await hookSecret(ctx, ctx.spec.secretToken);
    if (secret !== undefined && secret !== '' && !safeEqual(r.header('x-gitlab-token'), secret))
      throw new HookFailure(401, 'token mismatch (X-Gitlab-Token)');
    const event = r.header('x-gitlab-event');
    const body = jsonBody(r.raw);
    if (!wanted(ctx.spec.events, event)) return { body, ignored: `event ${JSON.stringify(event)} is not in events` };
    const uuid = r.header('x-gitlab-event-uuid') || r.header('idempotency-key');
    return { body, ...(uuid !== '' ? { id: `delivery:${uuid}` } : {}) };
  });
}

export function createGitlabSource(): EventSourceAdapter {
  return { kind: 'gitlab', start };
}
