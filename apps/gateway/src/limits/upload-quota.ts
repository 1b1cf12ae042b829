import { Inject, Injectable } from '@nestjs/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';

/**
 * UPLOAD_QUOTA_BYTES per user: bytes are taken as they stream, so two uploads at once cannot
 * both squeeze under the limit, and given back when an upload fails, since the upload service
 * keeps nothing of it. Counted per gateway process: the total a user may store is this quota
 * times the gateway replicas (docs/security.md#users-at-the-gateway).
 */
@Injectable()
export class UploadQuota {
  private readonly used = new Map<string, number>();

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  get limit(): number {
    return this.config.auth.uploadQuotaBytes;
  }

  left(user: string): number {
    return this.limit - (this.used.get(user) ?? 0);
  }

  /** Takes `bytes` of the user's quota; false, taking nothing, when that would pass it. */
  take(user: string, bytes: number): boolean {
    if (bytes > this.left(user)) return false;
    this.used.set(user, (this.used.get(user) ?? 0) + bytes);
    return true;
  }

  giveBack(user: string, bytes: number): void {
    const remaining = (this.used.get(user) ?? 0) - bytes;
    if (remaining > 0) this.used.set(user, remaining);
    else this.used.delete(user);
  }
}
