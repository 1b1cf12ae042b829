import { Inject, Injectable } from '@nestjs/common';
import { LuaScript } from '@quartet/redis';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { SharedState } from '../shared-state/shared-state';

const KEY_PREFIX = 'quartet:gateway:upload-quota:';

/** Adds ARGV[1] bytes to the user's total unless that would pass ARGV[2]; the new total, or -1. */
const TAKE = new LuaScript(`
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local bytes = tonumber(ARGV[1])
if used + bytes > tonumber(ARGV[2]) then return -1 end
return redis.call('INCRBY', KEYS[1], bytes)`);

/** Gives ARGV[1] bytes back, and forgets a user who has none left. */
const GIVE_BACK = new LuaScript(`
local left = redis.call('DECRBY', KEYS[1], ARGV[1])
if left <= 0 then redis.call('DEL', KEYS[1]) end
return left`);

/** One upload's share of its user's quota: what it took, where, so that a failure gives back just that. */
export interface UploadAllowance {
  /** Takes `bytes` of the quota; false, taking nothing, when that would pass it. */
  take(bytes: number): Promise<boolean>;
  /** Gives back all this upload took, as the upload service keeps nothing of a failed upload. */
  giveBack(): Promise<void>;
}

/**
 * UPLOAD_QUOTA_BYTES per user: bytes are taken as they stream, so two uploads at once cannot
 * both squeeze under the limit, and given back when an upload fails. With REDIS_URL the
 * totals are in Redis, shared by every gateway replica and kept across restarts; without it,
 * or while Redis cannot be reached (limits fail open: SharedState), in this process.
 */
@Injectable()
export class UploadQuota {
  private readonly used = new Map<string, number>();

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly shared: SharedState,
  ) {}

  get limit(): number {
    return this.config.auth.uploadQuotaBytes;
  }

  async left(user: string): Promise<number> {
    const stored = await this.shared.run('upload_quota', (client) => client.get(KEY_PREFIX + user));
    return this.limit - (stored === undefined ? this.localUse(user) : Number(stored ?? 0));
  }

  forUpload(user: string): UploadAllowance {
    let takenShared = 0;
    let takenLocal = 0;
    return {
      take: async (bytes) => {
        const total = await this.shared.run('upload_quota', (client) =>
          TAKE.run(client, [KEY_PREFIX + user], [String(bytes), String(this.limit)]),
        );
        if (total !== undefined) {
          if (total === -1) return false;
          takenShared += bytes;
          return true;
        }
        if (bytes > this.limit - this.localUse(user)) return false;
        this.used.set(user, this.localUse(user) + bytes);
        takenLocal += bytes;
        return true;
      },
      giveBack: async () => {
        const remaining = this.localUse(user) - takenLocal;
        if (remaining > 0) this.used.set(user, remaining);
        else this.used.delete(user);
        if (takenShared > 0) {
          await this.shared.run('upload_quota', (client) =>
            GIVE_BACK.run(client, [KEY_PREFIX + user], [String(takenShared)]),
          );
        }
        takenLocal = 0;
        takenShared = 0;
      },
    };
  }

  private localUse(user: string): number {
    return this.used.get(user) ?? 0;
  }
}
