import { ConfigError } from '@quartet/grpc-server';
import { loadConfig } from './config';

describe(loadConfig.name, () => {
  it('stores in the folder, keeping files, unless told otherwise', () => {
    const config = loadConfig({});
    expect(config.objectStore).toBeUndefined();
    expect(config.retentionDays).toBe(0);
  });

  it('stores in a bucket with UPLOAD_BUCKET, path-style and at an endpoint when asked', () => {
    const config = loadConfig({
      UPLOAD_BUCKET: 'quartet-uploads',
      AWS_ENDPOINT_URL_S3: 'http://minio:9000',
      S3_FORCE_PATH_STYLE: 'true',
      UPLOAD_RETENTION_DAYS: '30',
    });
    expect(config.objectStore).toEqual({
      bucket: 'quartet-uploads',
      endpoint: 'http://minio:9000',
      forcePathStyle: true,
    });
    expect(config.retentionDays).toBe(30);
    expect(loadConfig({ UPLOAD_BUCKET: 'on-aws' }).objectStore).toEqual({
      bucket: 'on-aws',
      forcePathStyle: false,
    });
  });

  it('names every bad variable at once', () => {
    const reading = () =>
      loadConfig({
        UPLOAD_BUCKET: 'Not_A_Bucket',
        AWS_ENDPOINT_URL_S3: 'minio:9000',
        S3_FORCE_PATH_STYLE: 'yes',
        UPLOAD_RETENTION_DAYS: '-1',
      });
    expect(reading).toThrow(ConfigError);
    let problems: readonly string[] = [];
    try {
      reading();
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    expect(problems).toEqual([
      expect.stringMatching(/^UPLOAD_RETENTION_DAYS=/),
      expect.stringMatching(/^AWS_ENDPOINT_URL_S3="minio:9000" is not a URL of scheme http or https$/),
      expect.stringMatching(/^S3_FORCE_PATH_STYLE="yes" is not one of true, false$/),
      'UPLOAD_BUCKET="Not_A_Bucket" is not a bucket name (3–63 of a-z, 0-9, "." and "-")',
    ]);
  });
});
