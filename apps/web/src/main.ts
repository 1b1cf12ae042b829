import { setUpChat } from './app/chat';
import { setUpGreeter } from './app/greeter';
import { setUpSession } from './app/session';
import { setUpTicker } from './app/ticker';
import { setUpUpload } from './app/upload';

setUpSession();
setUpGreeter();
setUpTicker();
setUpUpload();
setUpChat();
