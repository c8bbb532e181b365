// EventSource kinds that receive webhooks from SaaS/VCS services (Argo Events v1.9): github, gitlab,
// bitbucket, bitbucketserver, gerrit, slack, stripe, storageGrid, sns. Schemas only; Weir does not run them yet.
import { AnyString, Obj, Opt, Type } from './schema-kit.js';
import { BasicAuth, EventMetadata, EventSourceFilter, S3Filter, SecretKeySelector, TLSConfig } from './events-common.js';
import { WebhookContext } from './eventsource-kinds.js';

const common = {
  metadata: Opt(EventMetadata),
  filter: Opt(EventSourceFilter),
};

export const GithubEventSource = Obj(
  {
    id: Opt(Type.Integer({ description: 'Deprecated, unused.' })),
    webhook: Opt(WebhookContext),
    owner: Opt(Type.String({ description: 'Deprecated: use repositories.' })),
    repository: Opt(Type.String({ description: 'Deprecated: use repositories.' })),
    events: Opt(Type.Array(Type.String())),
    apiToken: Opt(SecretKeySelector),
    webhookSecret: Opt(SecretKeySelector),
    insecure: Opt(Type.Boolean()),
    active: Opt(Type.Boolean()),
    contentType: Opt(Type.String()),
    githubBaseURL: Opt(Type.String()),
    githubUploadURL: Opt(Type.String()),
    deleteHookOnFinish: Opt(Type.Boolean()),
    repositories: Opt(Type.Array(Obj({ owner: Opt(Type.String()), names: Opt(Type.Array(Type.String())) }))),
    organizations: Opt(Type.Array(Type.String())),
    githubApp: Opt(
      Obj({
        privateKey: Opt(SecretKeySelector),
        appID: Opt(Type.Integer()),
        installationID: Opt(Type.Integer()),
      }),
    ),
    ...common,
  },
  { description: 'GitHub repository/organization webhooks.' },
);

export const GitlabEventSource = Obj(
  {
    webhook: Opt(WebhookContext),
    projectID: Opt(AnyString({ description: 'Deprecated: use projects.' })),
    events: Opt(Type.Array(Type.String())),
    accessToken: Opt(SecretKeySelector),
    enableSSLVerification: Opt(Type.Boolean()),
    gitlabBaseURL: Opt(Type.String()),
    deleteHookOnFinish: Opt(Type.Boolean()),
    projects: Opt(Type.Array(AnyString(), { description: 'Project ids or paths like group/project.' })),
    secretToken: Opt(SecretKeySelector),
    groups: Opt(Type.Array(AnyString())),
    ...common,
  },
  { description: 'GitLab project/group webhooks.' },
);

export const BitbucketEventSource = Obj(
  {
    deleteHookOnFinish: Opt(Type.Boolean()),
    webhook: Opt(WebhookContext),
    auth: Opt(
      Obj({
        basic: Opt(Obj({ username: Opt(SecretKeySelector), password: Opt(SecretKeySelector) })),
        oauthToken: Opt(SecretKeySelector),
      }),
    ),
    events: Opt(Type.Array(Type.String())),
    owner: Opt(Type.String({ description: 'Deprecated: use repositories.' })),
    projectKey: Opt(Type.String({ description: 'Deprecated: use repositories.' })),
    repositorySlug: Opt(Type.String({ description: 'Deprecated: use repositories.' })),
    repositories: Opt(Type.Array(Obj({ owner: Opt(Type.String()), repositorySlug: Opt(Type.String()) }))),
    ...common,
  },
  { description: 'Bitbucket Cloud webhooks.' },
);

export const BitbucketServerEventSource = Obj(
  {
    webhook: Opt(WebhookContext),
    projectKey: Opt(Type.String({ description: 'Deprecated: use repositories.' })),
    repositorySlug: Opt(Type.String({ description: 'Deprecated: use repositories.' })),
    projects: Opt(Type.Array(Type.String())),
    repositories: Opt(Type.Array(Obj({ projectKey: Opt(Type.String()), repositorySlug: Opt(Type.String()) }))),
    events: Opt(Type.Array(Type.String())),
    skipBranchRefsChangedOnOpenPR: Opt(Type.Boolean()),
    oneEventPerChange: Opt(Type.Boolean()),
    accessToken: Opt(SecretKeySelector),
    webhookSecret: Opt(SecretKeySelector),
    bitbucketserverBaseURL: Opt(Type.String()),
    deleteHookOnFinish: Opt(Type.Boolean()),
    tls: Opt(TLSConfig),
    checkInterval: Opt(Type.String({ description: 'Go duration between hook existence checks (default 1m).' })),
    ...common,
  },
  { description: 'Bitbucket Server / Data Center webhooks.' },
);

export const GerritEventSource = Obj(
  {
    webhook: Opt(WebhookContext),
    hookName: Opt(Type.String()),
    events: Opt(Type.Array(Type.String())),
    auth: Opt(BasicAuth),
    gerritBaseURL: Opt(Type.String()),
    deleteHookOnFinish: Opt(Type.Boolean()),
    projects: Opt(Type.Array(Type.String())),
    sslVerify: Opt(Type.Boolean()),
    maxTries: Opt(Type.Integer()),
    ...common,
  },
  { description: 'Gerrit webhooks.' },
);

export const SlackEventSource = Obj(
  {
    signingSecret: Opt(SecretKeySelector),
    token: Opt(SecretKeySelector),
    webhook: Opt(WebhookContext),
    ...common,
  },
  { description: 'Slack Events API.' },
);

export const StripeEventSource = Obj(
  {
    webhook: Opt(WebhookContext),
    createWebhook: Opt(Type.Boolean()),
    apiKey: Opt(SecretKeySelector),
    eventFilter: Opt(Type.Array(Type.String())),
    metadata: Opt(EventMetadata),
  },
  { description: 'Stripe webhook notifications.' },
);

export const StorageGridEventSource = Obj(
  {
    webhook: Opt(WebhookContext),
    events: Opt(Type.Array(Type.String())),
    filter: Opt(S3Filter),
    topicArn: Opt(Type.String()),
    bucket: Opt(Type.String()),
    region: Opt(Type.String()),
    authToken: Opt(SecretKeySelector),
    apiURL: Opt(Type.String()),
    metadata: Opt(EventMetadata),
  },
  { description: 'NetApp StorageGRID bucket notifications.' },
);

export const SNSEventSource = Obj(
  {
    webhook: Opt(WebhookContext),
    topicArn: Opt(Type.String()),
    accessKey: Opt(SecretKeySelector),
    secretKey: Opt(SecretKeySelector),
    region: Opt(Type.String()),
    roleARN: Opt(Type.String()),
    validateSignature: Opt(Type.Boolean()),
    endpoint: Opt(Type.String()),
    ...common,
  },
  { description: 'AWS SNS HTTP subscriptions.' },
);
