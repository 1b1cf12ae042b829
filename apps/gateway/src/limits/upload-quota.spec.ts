import { loadConfig } from '../config';
import { UploadQuota } from './upload-quota';

describe(UploadQuota.name, () => {
  const sut = () => new UploadQuota(loadConfig({ UPLOAD_QUOTA_BYTES: '100' }));

  it('takes bytes until the next would pass the quota, taking nothing then', () => {
    const quota = sut();
    expect(quota.take('ann', 60)).toBe(true);
    expect(quota.take('ann', 50)).toBe(false);
    expect(quota.left('ann')).toBe(40);
    expect(quota.take('ann', 40)).toBe(true);
    expect(quota.left('ann')).toBe(0);
  });

  it('keeps each user’s count apart, and gives back what a failed upload took', () => {
    const quota = sut();
    quota.take('ann', 100);
    expect(quota.left('bob')).toBe(100);
    quota.giveBack('ann', 30);
    expect(quota.left('ann')).toBe(30);
    quota.giveBack('ann', 70);
    expect(quota.left('ann')).toBe(100);
  });
});
