// chatd web client: plain JavaScript modules, no build step, no libraries.
// Protocol: one JSON object per WebSocket frame, see docs/WEB.md.
// Everything people type is put on the page with textContent, never as HTML.
// This module wires the page's controls to the modules that act: the
// server's events (events.js), the session (session.js), the rooms
// (rooms.js), what is shown (view.js), sending (send.js, commands.js).
import { $, showError, currentConvo, dropLongNotes } from "./state.js";
import { connect } from "./net.js";
import { updateTitle } from "./alerts.js";
import { wireKeys } from "./keys.js";
import { wireMenu } from "./menu.js";
import { readNow } from "./reads.js";
import { wireSearch } from "./search.js";
import { wireSettings } from "./settings.js";
import { wireTopic } from "./topic.js";
import { actions, renderConvos } from "./convos.js";
import { show, loadOlder } from "./view.js";
import { join, leave, create, refreshRooms } from "./rooms.js";
import { handlers, signOut, wireLogin } from "./session.js";
import { ACTION, bare, sendTyped } from "./send.js";
import { command } from "./commands.js";
import { takeBack } from "./compose.js";

// Every module loaded: the page's "not finished loading" notice goes.
document.getElementById("load-failed")?.remove();
wireLogin();

$("create-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const name = bare($("new-room").value.trim(), "#");
  if (name) create(name).then((done) => { if (done) $("new-room").value = ""; });
});

$("send-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const box = $("text");
  const shown = currentConvo();
  // Messages put back in the box go again first, each as its own, with its cid.
  const back = shown ? takeBack(shown) : [];
  const text = box.value;
  for (const item of back) sendTyped(shown, item.typed, ACTION.test(item.typed), item.cid, item.order);
  box.value = text;
  if (!text.trim()) return;
  dropLongNotes();  // the next thing sent: a long note read (/help's) is over
  const acting = ACTION.test(text);
  if (text.startsWith("/") && !text.startsWith("//") && !acting) {
    box.value = "";
    command(text.trim());
    return;
  }
  const convo = currentConvo();
  if (!convo) return showError("Pick a room or a person first.");
  sendTyped(convo, text, acting);
});

$("text").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    $("send-form").requestSubmit();
  }
});

$("sign-out").addEventListener("click", signOut);

$("leave").addEventListener("click", () => {
  const convo = currentConvo();
  if (convo && convo.kind === "room") leave(convo);
});

$("rejoin").addEventListener("click", () => {
  const convo = currentConvo();
  if (convo && convo.kind === "room" && !convo.joined) join(convo.name);
});

// Older history only when the reader scrolls up to the top of a full log: not when
// a conversation is shown (its log starts at the top) nor while it is still filling.
// A log too short to scroll loads it on a wheel turned up, or the button above it.
let lastScrollTop = 0;
$("log").addEventListener("scroll", () => {
  const log = $("log");
  const up = log.scrollTop < lastScrollTop;
  lastScrollTop = log.scrollTop;
  if (up && log.scrollTop < 40 && log.scrollHeight > log.clientHeight) loadOlder();
});
$("log").addEventListener("wheel", (event) => {
  const log = $("log");
  if (event.deltaY < 0 && log.scrollHeight <= log.clientHeight) loadOlder();
});
$("older").addEventListener("click", loadOlder);

document.addEventListener("visibilitychange", () => {
  const convo = currentConvo();
  if (!document.hidden && convo) {
    convo.unread = 0;
    renderConvos();
    updateTitle();
    readNow(convo);
  }
});
window.addEventListener("focus", () => readNow(currentConvo()));

actions.show = show;
actions.join = join;
wireKeys(show);
wireMenu();
wireSearch();
wireSettings();
wireTopic();

// Keep the room list's member counts fresh.
setInterval(refreshRooms, 15000);

connect(handlers);
