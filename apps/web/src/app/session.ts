import { apiError, describe } from './api-error';
import { byId, say } from './dom';

const NAME = /^[A-Za-z0-9_.-]{1,24}$/;

/**
 * The sign-in bar: a guest session from POST /api/session, kept by the browser as an HttpOnly
 * cookie that every other card's requests carry. The page never sees the token itself. A page
 * opened anew signs in anew: asking whether an old cookie still holds would be a 401 to show.
 */
export function setUpSession(): void {
  const form = byId<HTMLFormElement>('session-form');
  const input = form.elements.namedItem('user') as HTMLInputElement;
  const toggle = byId<HTMLButtonElement>('session-toggle');
  const status = byId('session-status');
  let signedIn = false;

  const show = (user: string | undefined) => {
    signedIn = user !== undefined;
    input.disabled = signedIn;
    toggle.textContent = signedIn ? 'Sign out' : 'Sign in as guest';
    if (user) say(status, `Signed in as ${user}.`, 'good');
    else say(status, 'Sign in with a name to use the cards below.');
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (signedIn) {
      void fetch('/api/session', { method: 'DELETE' }).finally(() => show(undefined));
      return;
    }
    const name = input.value.trim();
    if (!NAME.test(name)) return say(status, 'A name is 1 to 24 of A-Z, a-z, 0-9, ., - and _.', 'bad');
    void signIn(name).then(show, (message: string) => say(status, message, 'bad'));
  });

  show(undefined);
}

async function signIn(name: string): Promise<string> {
  const response = await fetch('/api/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: name }),
  }).catch(() => {
    throw 'The gateway cannot be reached.';
  });
  const body = await response.text();
  if (!response.ok) throw describe(apiError(response.status, body));
  return (JSON.parse(body) as { user: string }).user;
}
