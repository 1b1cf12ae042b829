import { apiError, describe } from './api-error';
import { byId, say, servedBy } from './dom';

interface Stored {
  readonly id: string;
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
}

/**
 * The upload card: POST /api/uploads?name= with the file as the body. XMLHttpRequest,
 * because fetch reports no upload progress.
 */
export function setUpUpload(): void {
  const form = byId<HTMLFormElement>('upload-form');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const file = (form.elements.namedItem('file') as HTMLInputElement).files?.[0];
    if (file) upload(file);
  });
}

function upload(file: File): void {
  const progress = byId<HTMLProgressElement>('upload-progress');
  const status = byId('upload-status');
  const result = byId('upload-result');
  result.hidden = true;
  progress.max = Math.max(file.size, 1);
  progress.value = 0;
  say(status, `Sending ${sizeOf(file.size)}…`);

  const request = new XMLHttpRequest();
  request.open('POST', `/api/uploads?name=${encodeURIComponent(file.name)}`);
  request.setRequestHeader('content-type', file.type || 'application/octet-stream');
  request.upload.addEventListener('progress', (event) => {
    progress.value = event.loaded;
    say(status, `Sent ${sizeOf(event.loaded)} of ${sizeOf(event.total)}…`);
  });
  request.addEventListener('load', () => {
    servedBy(byId('upload-served-by'), request.getResponseHeader('x-served-by'));
    if (request.status !== 201)
      return say(status, describe(apiError(request.status, request.responseText)), 'bad');
    const stored = JSON.parse(request.responseText) as Stored;
    progress.value = progress.max;
    say(status, 'Stored.', 'good');
    byId('upload-name').textContent = stored.name;
    byId('upload-size').textContent = `${sizeOf(stored.size)} (${stored.size} bytes)`;
    byId('upload-sha256').textContent = stored.sha256;
    result.hidden = false;
  });
  request.addEventListener('error', () => say(status, 'The upload broke off.', 'bad'));
  request.send(file);
}

function sizeOf(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
