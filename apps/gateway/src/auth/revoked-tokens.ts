import { createHash } from 'node:crypto';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { RedisClientType } from 'redis';
import { SharedState } from '../shared-state/shared-state';

/** Redis: revoked token ids with their expiry as score, and the channel that tells every replica at once. */
const REVOKED_KEY = 'quartet:gateway:revoked';
const REVOKED_CHANNEL = 'quartet:gateway:revocations';

const SWEEP_MS = 60_000;

/**
 * Tokens signed out before they expire (DELETE /api/session), refused from then on. Each is
 * kept until its own expiry, then forgotten, since by then it is refused anyway. Checked on
 * every signed-in request, so the check is a lookup in this process's memory. With REDIS_URL,
 * every replica learns of a sign-out through Redis within the time a message takes (a sorted
 * set, read at start and after every reconnect, and a channel for what comes after); without
 * it, a sign-out holds on this replica only. Commands go over SharedState's connection; the
 * subscription needs one of its own.
 */
@Injectable()
export class RevokedTokens implements OnApplicationBootstrap, OnApplicationShutdown {
  /** Token id → expiry (ms since the epoch). */
  private readonly revoked = new Map<string, number>();
  private readonly logger = new Logger(RevokedTokens.name);
  private readonly commands?: RedisClientType;
  private readonly subscriber?: RedisClientType;
  private sweep?: NodeJS.Timeout;

  constructor(shared: SharedState) {
    this.commands = shared.client;
    this.subscriber = shared.client?.duplicate();
  }

  async onApplicationBootstrap(): Promise<void> {
    this.sweep = setInterval(() => this.forgetExpired(), SWEEP_MS).unref();
    const { commands, subscriber } = this;
    if (!commands || !subscriber) return;
    subscriber.on('error', (error: Error) =>
      this.logger.warn({ event: 'revocations-unreachable', error: error.message }),
    );
    // Subscribed first, then read: a sign-out between the two is in one or the other. Read
    // again whenever either connection is back, since sign-outs may have been missed meanwhile.
    subscriber.on('ready', () => void this.load());
    commands.on('ready', () => void this.load());
    await subscriber.connect();
    await subscriber.subscribe(REVOKED_CHANNEL, (message) => this.remember(message));
    await this.load();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.sweep);
    await this.subscriber?.close().catch(() => undefined);
  }

  isRevoked(token: string): boolean {
    const expiry = this.revoked.get(idOf(token));
    return expiry !== undefined && expiry > Date.now();
  }

  /** Revokes `token` until `expiresAt`, here at once and, with Redis, on every replica; rejects if Redis cannot take it. */
  async revoke(token: string, expiresAt: Date): Promise<void> {
    const id = idOf(token);
    const member = `${id}:${expiresAt.getTime()}`;
    this.remember(member);
    if (!this.commands) return;
    await this.commands
      .multi()
      .zAdd(REVOKED_KEY, { score: expiresAt.getTime(), value: id })
      .zRemRangeByScore(REVOKED_KEY, '-inf', Date.now())
      .publish(REVOKED_CHANNEL, member)
      .exec();
  }

  private async load(): Promise<void> {
    if (!this.commands?.isReady) return;
    try {
      const entries = await this.commands.zRangeByScoreWithScores(REVOKED_KEY, Date.now(), '+inf');
      for (const { value, score } of entries) this.revoked.set(value, score);
    } catch (error) {
      this.logger.warn({ event: 'revocations-unread', error: (error as Error).message });
    }
  }

  /** `id:expiry`, as published. */
  private remember(member: string): void {
    const at = member.lastIndexOf(':');
    const expiry = Number(member.slice(at + 1));
    if (at > 0 && Number.isFinite(expiry)) this.revoked.set(member.slice(0, at), expiry);
  }

  private forgetExpired(): void {
    const now = Date.now();
    for (const [id, expiry] of this.revoked) if (expiry <= now) this.revoked.delete(id);
  }
}

/** A token's id: its SHA-256, which names any token (an issuer's have no `jti` of ours) and keeps none in Redis. */
function idOf(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
