import { setUpChat } from './app/chat';
import { setUpGreeter } from './app/greeter';
import { setUpTicker } from './app/ticker';
import { setUpUpload } from './app/upload';

setUpGreeter();
setUpTicker();
setUpUpload();
setUpChat();
