// Images for the container executor: imagePullPolicy applied (Never: local only; IfNotPresent: pull when missing;
// Always: pull, and keep using a local copy when the registry cannot be reached, with a warning), and each image's
// config (ENTRYPOINT, CMD, WORKDIR) cached for 30 s so a stream of steps inspects an image about once.
import { WeirError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { EngineStatusError, query, readAll } from './container-api.js';
import type { EngineApi, ImageInspect } from './container-api.js';

const CACHE_MS = 30_000;
const PULL_TIMEOUT_MS = 10 * 60_000;

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

export class ImageResolver {
  private readonly cache = new Map<string, { at: number; image: ImageInspect }>();
  private readonly pulled = new Map<string, Promise<void>>();

  constructor(
    private readonly api: EngineApi,
    private readonly log?: Logger,
  ) {}

  /** The local image's config, after pulling as the policy says. Throws a clear STEP_FAILED when it is not there. */
  async ensure(image: string, policy: PullPolicy, signal?: AbortSignal): Promise<ImageInspect> {
    const hit = this.cache.get(image);
    if (hit && Date.now() - hit.at < CACHE_MS && policy !== 'Always') return hit.image;
    let local = await this.inspect(image);
    if (policy === 'Always' || (local === undefined && policy === 'IfNotPresent')) {
      try {
        await this.pullOnce(image, signal);
        local = await this.inspect(image);
      } catch (e) {
        if (local === undefined)
          throw new WeirError('STEP_FAILED', `image ${image} is not present and pulling it failed: ${errorMessage(e)}`, { cause: e });
        this.log?.warn({ image, err: errorMessage(e) }, 'imagePullPolicy Always: pull failed, using the local image');
      }
    }
    if (local === undefined) {
      throw new WeirError(
        'STEP_FAILED',
        `image ${image} is not present${policy === 'Never' ? ' and imagePullPolicy is Never' : ''} (build the stand-ins with \`npm run images\`)`,
      );
    }
    this.cache.set(image, { at: Date.now(), image: local });
    return local;
  }

  private async inspect(image: string): Promise<ImageInspect | undefined> {
    try {
      return await this.api.call<ImageInspect>({ path: `/images/${encodeURIComponent(image)}/json` });
    } catch (e) {
      if (e instanceof EngineStatusError && e.status === 404) return undefined;
      throw e;
    }
  }

  /** One pull per image at a time; the engine streams JSON progress with `error` on failure. */
  private pullOnce(image: string, signal?: AbortSignal): Promise<void> {
    let p = this.pulled.get(image);
    if (!p) {
      p = this.pull(image, signal).finally(() => this.pulled.delete(image));
      this.pulled.set(image, p);
    }
    return p;
  }

  private async pull(image: string, signal?: AbortSignal): Promise<void> {
    const sig = AbortSignal.any([AbortSignal.timeout(PULL_TIMEOUT_MS), ...(signal ? [signal] : [])]);
    const res = await this.api.stream({ method: 'POST', path: `/images/create${query({ fromImage: image })}`, signal: sig });
    const text = (await readAll(res ?? (undefined as never))).toString('utf8');
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        const j = JSON.parse(line) as { error?: unknown; errorDetail?: { message?: unknown } };
        if (typeof j.error === 'string' && j.error !== '') throw new WeirError('STEP_FAILED', j.error);
      } catch (e) {
        if (e instanceof WeirError) throw e;
      }
    }
    this.cache.delete(image);
  }
}
