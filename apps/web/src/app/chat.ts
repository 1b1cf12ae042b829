import { apiError, describe } from './api-error';
import { Backoff } from './backoff';
import { ChatLog, type ChatLine } from './chat-log';
import { byId, element, say } from './dom';

// The chat service's own rules, checked here so that a person sees why before joining:
// a refused WebSocket handshake tells the browser nothing of the reason.
const ROOM = /^[a-z0-9_-]{1,32}$/;

type Frame =
  | ({ type: 'message' } & ChatLine)
  | {
      type: 'joined';
      user: string;
      members: string[];
      memberCount: number;
      lastSeq: number;
      historyTrimmed: boolean;
    }
  | { type: 'members'; count: number; members: string[] }
  | { type: 'presence'; user: string; online: boolean }
  | { type: 'presence-changes'; changes: { user: string; online: boolean }[] }
  | { type: 'error'; error: { code: string; message: string } };

/**
 * The chat card: /api/chat as a WebSocket, as the signed-in user (the session cookie goes with
 * the handshake). A dropped connection reconnects with
 * `since` = the last seq seen, so the room replays what was missed; a post made while
 * disconnected is sent on reconnect with the same client id, and the room stores it once.
 */
class ChatPanel {
  private readonly log = new ChatLog();
  private readonly members = new Set<string>();
  /** Users in the room; a room above the chat service's presence list limit tells this, not names. */
  private count = 0;
  /** Whether `members` follows the room: false while it is large, and the names come on request. */
  private listed = true;
  private readonly unsent = new Map<string, string>();
  private socket: WebSocket | undefined;
  private room = '';
  private user = '';
  private wanted = false;
  private readonly backoff = new Backoff();
  /** Whether this join's socket has opened once: a join refused at once is not retried. */
  private joinedOnce = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;

  private readonly status = byId('chat-status');
  private readonly list = byId<HTMLOListElement>('chat-messages');
  private readonly postForm = byId<HTMLFormElement>('chat-post');
  private readonly toggle = byId<HTMLButtonElement>('chat-toggle');
  private readonly roster = byId<HTMLDetailsElement>('chat-roster');

  constructor() {
    this.roster.addEventListener('toggle', () => this.roster.open && void this.showRoster());
  }

  join(room: string): void {
    if (!ROOM.test(room)) return say(this.status, 'A room is 1 to 32 of a-z, 0-9, - and _.', 'bad');
    if (room !== this.room) this.log.clear();
    this.room = room;
    this.wanted = true;
    this.joinedOnce = false;
    this.backoff.reset();
    this.toggle.textContent = 'Leave';
    this.render();
    this.connect();
  }

  leave(): void {
    this.wanted = false;
    clearTimeout(this.retryTimer);
    this.socket?.close(1000, 'left');
    this.toggle.textContent = 'Join';
    this.knowMembers(0, []);
    say(this.status, 'You left the room.');
  }

  get joined(): boolean {
    return this.wanted;
  }

  post(text: string): void {
    const clientId = randomId();
    this.unsent.set(clientId, text);
    this.send(clientId, text);
  }

  private connect(): void {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const query = new URLSearchParams({ room: this.room, since: String(this.log.lastSeq) });
    const socket = new WebSocket(`${scheme}://${location.host}/api/chat?${query}`);
    this.socket = socket;
    say(this.status, `Joining ${this.room}…`);
    socket.addEventListener('open', () => {
      this.joinedOnce = true;
      this.backoff.reset();
      this.enablePosting(true);
      for (const [clientId, text] of this.unsent) this.send(clientId, text);
    });
    socket.addEventListener('message', (event) => this.receive(JSON.parse(String(event.data)) as Frame));
    socket.addEventListener('close', (event) => {
      if (this.socket !== socket) return;
      this.enablePosting(false);
      // 1008: the chat service refused something this page sent; retrying would repeat it.
      if (!this.wanted || event.code === 1008) return;
      // A first handshake refused (not signed in, say) would be refused again: give up. Once in,
      // a lost connection (1001: the gateway shutting down) is retried with `since`, as the
      // ticker resumes with Last-Event-ID.
      if (!this.joinedOnce) {
        this.leave();
        return say(this.status, 'Could not join: sign in first, or check the room name.', 'bad');
      }
      const delay = this.backoff.next();
      say(
        this.status,
        `Connection lost; rejoining from #${this.log.lastSeq + 1} in ${delay / 1000} s…`,
        'bad',
      );
      this.retryTimer = setTimeout(() => this.wanted && this.connect(), delay);
    });
  }

  private send(clientId: string, text: string): void {
    if (this.socket?.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify({ type: 'post', text, clientId }));
    }
  }

  private receive(frame: Frame): void {
    switch (frame.type) {
      case 'joined':
        this.user = frame.user;
        this.knowMembers(frame.memberCount, frame.members);
        say(
          this.status,
          `In ${this.room} as ${this.user}.` +
            (frame.historyTrimmed ? ' Some messages you missed are no longer kept.' : ''),
          'good',
        );
        break;
      case 'message':
        if (frame.clientId) this.unsent.delete(frame.clientId);
        if (this.log.add(frame)) this.render();
        break;
      case 'members':
        this.knowMembers(frame.count, frame.members);
        break;
      case 'presence':
        this.seePresence(frame);
        this.renderMembers();
        break;
      case 'presence-changes':
        for (const change of frame.changes) this.seePresence(change);
        this.renderMembers();
        break;
      case 'error':
        say(this.status, `${frame.error.message} (${frame.error.code})`, 'bad');
        break;
    }
  }

  /** Who is in the room as a whole: the names when the room is small enough to list, else the count. */
  private knowMembers(count: number, names: readonly string[]): void {
    this.count = count;
    this.listed = names.length > 0 || count === 0;
    this.members.clear();
    for (const name of names) this.members.add(name);
    this.renderMembers();
  }

  private seePresence({ user, online }: { user: string; online: boolean }): void {
    if (online) this.members.add(user);
    else this.members.delete(user);
    this.count = this.members.size;
  }

  /** The first names of a large room, fetched when its list is opened (ListMembers over HTTP). */
  private async showRoster(): Promise<void> {
    const names = byId('chat-roster-names');
    say(names, 'Loading…');
    try {
      const response = await fetch(`/api/chat/rooms/${encodeURIComponent(this.room)}/members?pageSize=1000`);
      const body = await response.text();
      if (!response.ok) return say(names, describe(apiError(response.status, body)), 'bad');
      const page = JSON.parse(body) as { members: string[]; totalSize: number };
      const more = page.totalSize - page.members.length;
      say(names, page.members.join(', ') + (more > 0 ? `, and ${more} more` : ''));
    } catch {
      say(names, 'The gateway cannot be reached.', 'bad');
    }
  }

  private render(): void {
    const atBottom = this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 40;
    this.list.replaceChildren(
      ...this.log.all.map((line) => {
        const item = element('li', line.user === this.user ? 'own' : '');
        const when = line.time ? new Date(line.time).toLocaleTimeString() : '';
        item.append(
          element('span', 'who', line.user),
          element('span', 'text', line.text),
          element('span', 'when', when),
        );
        return item;
      }),
    );
    if (atBottom) this.list.scrollTop = this.list.scrollHeight;
  }

  private renderMembers(): void {
    const names = [...this.members].sort();
    const large = this.wanted && !this.listed;
    byId('chat-members').textContent = !large && names.length ? `Here: ${names.join(', ')}` : '';
    this.roster.hidden = !large;
    if (!large) this.roster.open = false;
    byId('chat-roster-count').textContent = `${this.count} here`;
  }

  private enablePosting(enabled: boolean): void {
    for (const control of this.postForm.querySelectorAll<HTMLInputElement | HTMLButtonElement>(
      'input, button',
    )) {
      control.disabled = !enabled;
    }
  }
}

/** A client id for a post: random, and available on plain http, unlike crypto.randomUUID. */
function randomId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join(
    '',
  );
}

export function setUpChat(): void {
  const panel = new ChatPanel();
  const joinForm = byId<HTMLFormElement>('chat-join');
  const postForm = byId<HTMLFormElement>('chat-post');
  const field = (form: HTMLFormElement, name: string) => form.elements.namedItem(name) as HTMLInputElement;
  joinForm.addEventListener('submit', (event) => {
    event.preventDefault();
    if (panel.joined) panel.leave();
    else panel.join(field(joinForm, 'room').value.trim());
  });
  postForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const input = field(postForm, 'text');
    if (!input.value.trim()) return;
    panel.post(input.value);
    input.value = '';
  });
}
