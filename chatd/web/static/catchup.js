// chatd web client: private conversations caught up after a reconnect.
// Private messages the server wrote to a connection that was already dead
// (before it noticed) never reached the page; they are in the stored
// history.  Back, the page asks each private conversation it has for what
// came after the last message it shows ("history" "with" "after"), as a
// room's replay does, and tells the server it read a conversation only
// once what it has of it is shown (reads.js readNow waits meanwhile).
import { state } from "./state.js";
import { request } from "./net.js";
import { addMessage } from "./log.js";
import { readNow } from "./reads.js";
import { updateTitle } from "./alerts.js";
import { renderConvos } from "./convos.js";

const PAGE = 100;

// Logged in again: every private conversation with a message shown asks
// for what came after it.
export function catchUp() {
  for (const convo of state.convos.values()) {
    if (convo.kind !== "private" || !convo.lastId || convo.catchingUp) continue;
    convo.catchingUp = true;
    convo.replayIsNews = true;  // what it missed: unread unless it is shown
    fetchAfter(convo, convo.lastId);
  }
}

function fetchAfter(convo, after) {
  request("history", { with: convo.name, after, limit: PAGE }).then((reply) => {
    for (const m of reply.messages) addMessage(convo, { ...m, history: true }, m.from === state.nick);
    const last = reply.messages.at(-1);
    if (reply.later && last) return fetchAfter(convo, last.msgid);
    caughtUp(convo);
  }, () => caughtUp(convo));  // lost again: the next login asks again
}

function caughtUp(convo) {
  convo.catchingUp = false;
  renderConvos();
  updateTitle();
  if (convo.key === state.current) readNow(convo);
}
