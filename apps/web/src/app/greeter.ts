import { apiError, describe } from './api-error';
import { byId, say, servedBy } from './dom';

/** The greeter card: GET /api/hello?name=. */
export function setUpGreeter(): void {
  const form = byId<HTMLFormElement>('greet-form');
  const result = byId('greet-result');
  const replica = byId('greet-served-by');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const name = (form.elements.namedItem('name') as HTMLInputElement).value;
    void greet(name, result, replica);
  });
}

async function greet(name: string, result: HTMLElement, replica: HTMLElement): Promise<void> {
  say(result, 'Calling…');
  try {
    const response = await fetch(`/api/hello?name=${encodeURIComponent(name)}`);
    const body = await response.text();
    servedBy(replica, response.headers.get('x-served-by'));
    if (!response.ok) return say(result, describe(apiError(response.status, body)), 'bad');
    say(result, (JSON.parse(body) as { message: string }).message, 'good');
  } catch {
    say(result, 'The gateway cannot be reached.', 'bad');
  }
}
