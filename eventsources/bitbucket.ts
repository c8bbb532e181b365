// Bitbucket Cloud and Bitbucket Server webhook event sources (Argo's `bitbucket` and `bitbucketserver`), on
// `webhook` {port, endpoint, method, maxPayloadSize}. Config keys read: webhook, events (X-Event-Key values such as
// repo:push, pullrequest:created, repo:refs_changed; others are answered 200 and dropped), metadata, filter (host);
// bitbucketserver also webhookSecret (verifies X-Hub-Signature "sha256=<HMAC of the raw body>", 401 when it does not
// match). Bitbucket Cloud signs nothing in Argo's model (no secret field). Registration settings (auth,
// repositories, projects, accessToken, bitbucketserverBaseURL, deleteHookOnFinish, checkInterval) are accepted and
// unused: Weir does not create hooks. Emits Argo's `{headers, body, metadata}` with the body as sent. Event id: the
// request UUID (X-Request-UUID / X-Request-Id), so a redelivery is the same event.
import { createHmac } from 'node:crypto';
import { HookFailure, eventWanted, hookSecret, jsonBody, safeEqual, serveGitHook } from './common/git-hook-kit.js';
import type { EventSourceAdapter, StartContext } from '../src/api/eventsource-adapter.js';

function startFor(kind: 'bitbucket' | 'bitbucketserver') {
  return async (ctx: StartContext): Promise<void> => {
    if (kind === 'bitbucketserver' && ctx.spec.oneEventPerChange === true) {
      ctx.log.warn({ field: 'oneEventPerChange' }, 'bitbucketserver: oneEventPerChange is not supported by Weir; one event per request');
    }
    await serveGitHook(ctx, kind, async (r) => {
      if (kind === 'bitbucketserver') {
        const secret = await hookSecret(ctx, ctx.spec.webhookSecret);
        if (secret !== undefined && secret !== '') {
          const expected = `sha256=${createHmac('sha256', secret).update(r.raw).digest('hex')}`;
          if (!safeEqual(r.header('x-hub-signature').toLowerCase(), expected))
            throw new HookFailure(401, 'payload signature does not match (X-Hub-Signature)');
        }
      }
      const event = r.header('x-event-key');
      const body = jsonBody(r.raw);
      if (!eventWanted(ctx.spec.events, event)) return { body, ignored: `event ${JSON.stringify(event)} is not in events` };
      const id = r.header('x-request-uuid') || r.header('x-request-id');
      return { body, ...(id !== '' ? { id: `delivery:${id}` } : {}) };
    });
  };
}

export function createBitbucketSource(): EventSourceAdapter {
  return { kind: 'bitbucket', start: startFor('bitbucket') };
}

export function createBitbucketServerSource(): EventSourceAdapter {
  return { kind: 'bitbucketserver', start: startFor('bitbucketserver') };
}
