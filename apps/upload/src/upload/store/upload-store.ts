/** A file stored whole: `id` names it, `name` is the name its uploader gave it. */
export interface StoredFile {
  readonly id: string;
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
}

/** A file being received: nothing of it can be seen until `commit`, and nothing is left after `abort`. */
export interface PartialUpload {
  readonly size: number;
  /** Stores `chunk` after the ones before it; RESOURCE_EXHAUSTED, naming why, when the store refuses it. */
  write(chunk: Uint8Array): Promise<void>;
  /** Makes the file appear, whole, as <id>/<name>, with its sha256; on failure nothing of it is left. */
  commit(): Promise<StoredFile>;
  /** Removes all that was written; does nothing once a commit has begun. */
  abort(): Promise<void>;
}

/**
 * Where finished uploads are kept: the local folder UPLOAD_DIR (LocalUploadStore), or the
 * S3-compatible bucket UPLOAD_BUCKET (S3UploadStore). The class is the injection token.
 */
export abstract class UploadStore {
  /** A new partial upload of the file `name`, once `expectedBytes` (the size info declared, or 0) fit. */
  abstract begin(name: string, expectedBytes?: number): Promise<PartialUpload>;
  /** Removes a stored file, for an upload whose call was cancelled as it was committed. */
  abstract remove(file: StoredFile): Promise<void>;
  /** Removes stored files older than `ageMs` by the store's own clock; how many it removed. */
  abstract removeOlderThan(ageMs: number): Promise<number>;
}
