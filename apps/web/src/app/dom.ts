// Every piece of text from a user or a server reaches the page through textContent, never
// innerHTML, so that no name, message or file name can add markup or script.

/** The element with this id; a missing one is a bug in index.html. */
export function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`index.html has no #${id}`);
  return element as T;
}

/** A new element holding `text` as text. */
export function element(tag: string, className: string, text = ''): HTMLElement {
  const node = document.createElement(tag);
  node.className = className;
  node.textContent = text;
  return node;
}

/** Shows a status line, marked good or bad. */
export function say(target: HTMLElement, text: string, tone: 'good' | 'bad' | 'plain' = 'plain'): void {
  target.textContent = text;
  target.classList.toggle('good', tone === 'good');
  target.classList.toggle('bad', tone === 'bad');
}

export function servedBy(target: HTMLElement, replica: string | null): void {
  target.textContent = replica ? `served by ${replica}` : '';
}
