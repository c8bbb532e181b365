// GitHub webhook event source (Argo's `github`): receives GitHub's webhook deliveries on `webhook` {port, endpoint,
// method, maxPayloadSize}. Config keys read: webhook, webhookSecret (verifies X-Hub-Signature-256, an HMAC-SHA256 of
// the raw body, or the older X-Hub-Signature SHA-1 one; constant-time compare; 401 when it does not match), events
// (the X-GitHub-Event types to accept, "*" for all; others are answered 200 and dropped), contentType json or form
// (the `payload` field), metadata, filter (host). Registration settings (repositories, organizations, apiToken,
// githubApp, active, insecure, githubBaseURL, deleteHookOnFinish) are accepted and unused: Weir does not create the
// hook on GitHub. Emits Argo's GithubEventData `{headers, body, metadata}`, body being the delivery's JSON with the
// "X-GitHub-Event" and "X-GitHub-Delivery" header values added as Argo does. Event id: the delivery GUID, so a
// redelivery from GitHub is the same event.
import { createHmac } from 'node:crypto';
import { HookFailure, eventWanted, hookSecret, jsonBody, safeEqual, serveGitHook } from './common/git-hook-kit.js';
import type { HookRequest } from './common/git-hook-kit.js';
import type { EventSourceAdapter, StartContext } from '../src/api/eventsource-adapter.js';

/** GitHub's signature check: sha256 when sent, else sha1; throws 401. */
export function checkGithubSignature(secret: string, raw: Buffer, sig256: string, sig1: string): void {
  const [algorithm, got] = sig256 !== '' ? ['sha256', sig256] : sig1 !== '' ? ['sha1', sig1] : ['', ''];
  if (algorithm === '') throw new HookFailure(401, 'missing signature (X-Hub-Signature-256)');
  const expected = `${algorithm}=${createHmac(algorithm, secret).update(raw).digest('hex')}`;
  if (!safeEqual(got.toLowerCase(), expected)) throw new HookFailure(401, 'payload signature does not match');
}

function parse(r: HookRequest): unknown {
  const type = r.header('content-type').split(';')[0].trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') {
    const payload = new URLSearchParams(r.raw.toString('utf8')).get('payload');
    if (payload === null) throw new HookFailure(400, 'form body without a payload field');
    return jsonBody(Buffer.from(payload));
  }
  return jsonBody(r.raw);
}

async function start(ctx: StartContext): Promise<void> {
  await serveGitHook(ctx, 'github', async (r) => {
    const secret = await hookSecret(ctx, ctx.spec.webhookSecret);
    if (secret !== undefined && secret !== '')
      checkGithubSignature(secret, r.raw, r.header('x-hub-signature-256'), r.header('x-hub-signature'));
    const event = r.header('x-github-event');
    const delivery = r.header('x-github-delivery');
    if (event === '') throw new HookFailure(400, 'missing X-GitHub-Event header');
    const body = parse(r);
    if (!eventWanted(ctx.spec.events, event)) return { body, ignored: `event type ${event} is not in events` };
    const withHeaders =
      body !== null && typeof body === 'object' && !Array.isArray(body)
        ? { ...(body as Record<string, unknown>), 'X-GitHub-Event': event, 'X-GitHub-Delivery': delivery }
        : body;
    return { body: withHeaders, ...(delivery !== '' ? { id: `delivery:${delivery}` } : {}) };
  });
}

export function createGithubSource(): EventSourceAdapter {
  return { kind: 'github', start };
}
