// chatd web client: which conversation the page shows, and what follows a
// person from one name to another: showing a conversation (its log, its
// draft, its older messages on demand), a private conversation refiled
// under a new name, and where the focus goes when what had it is gone.
import { $, state, showNote, currentConvo } from "./state.js";
import { request } from "./net.js";
import { addEvent, dropMarker, scrollDown, prependOlder, rememberAll } from "./log.js";
import { updateTitle } from "./alerts.js";
import { closeMenu } from "./menu.js";
import { readNow } from "./reads.js";
import { switchDraft } from "./compose.js";
import { closeTopic } from "./topic.js";
import { speak } from "./speak.js";
import { privateConvo, personKey, renderHeader, renderConvos, renderMembers } from "./convos.js";
import { nameKey } from "./fold.js";

// A notice (a command's answer, the server's word): in the conversation
// shown, else as a note that does not look like an error.
export function showNotice(text) {
  const convo = currentConvo();
  if (convo) addEvent(convo, "notice", text, undefined, "polite");
  else showNote(text);
}

// The person of private conversation "@OLD" is now called NEW: so is the conversation.
export function followRename(old, renamed, time) {
  const convo = state.convos.get(personKey(old));
  if (!convo) return renderConvos();
  return refile(convo, renamed, old + " is now " + renamed, time);
}

// CONVO's person is called NAME (renamed, or named by the server otherwise
// than typed: Σοφία for ΣΟΦΙΑ): the conversation goes under that name, one
// with any the page has with them (NOTE, if any, logged there).
export function refile(convo, name, note, time) {
  if (convo.key === personKey(name)) {
    convo.name = name;
    renderConvos();
    return convo;
  }
  const target = privateConvo(name);
  target.log.prepend(...convo.log.childNodes);
  target.unread += convo.unread;
  if (convo.marker && target.marker) target.marker.remove();  // one line: the older
  target.marker = convo.marker || target.marker;
  rememberAll(convo, target);
  state.convos.delete(convo.key);
  if (note) addEvent(target, "event", note, time);
  if (state.current === convo.key) show(target.key);
  renderConvos();
  return target;
}

// NICK, new to this page, wrote privately: if they are someone this page
// talks with under an older name (a rename it did not hear of), the two
// conversations become one.
export function adoptRenamed(nick) {
  for (const convo of [...state.convos.values()]) {
    if (convo.kind !== "private" || convo.key === personKey(nick)) continue;
    request("whowas", { nick: convo.name }).then((past) => {
      const same = past.renamedTo && nameKey(past.renamedTo) === nameKey(nick);
      if (same && state.convos.get(convo.key) === convo) followRename(convo.name, past.renamedTo);
    }, () => {});
  }
}

// The header, the sidebar's lists and the title, after a change of conversation.
export function renderAll() {
  renderHeader();
  renderConvos();
  renderMembers();
  updateTitle();
}

export function show(key) {
  const convo = state.convos.get(key);
  if (!convo) return;
  const previous = currentConvo();
  if (previous && previous !== convo) dropMarker(previous);
  switchDraft(previous, convo);
  if (previous !== convo) closeTopic();
  state.current = key;
  convo.unread = 0;
  $("log").replaceChildren(convo.log);
  renderAll();
  if (convo.marker) convo.marker.scrollIntoView({ block: "start" });
  else scrollDown();
  closeMenu();
  $("text").focus();
  readNow(convo);
  if (convo.kind === "private" && !convo.historyAsked) {  // a room's comes with entering it
    convo.historyAsked = true;
    loadOlder();
  }
}

// Whether the focus is nowhere a keyboard user can be (the page itself: what
// had it was hidden, disabled or removed).
export function focusLost() {
  const at = document.activeElement;
  return !at || at === document.body || at.disabled || !at.isConnected || at.closest("[hidden]") !== null;
}

// The focus, if lost, goes to the first of the CANDIDATES (elements) shown.
export function rescueFocus(...candidates) {
  if (!focusLost()) return;
  const target = candidates.find((node) => node && !node.disabled && node.getClientRects().length);
  if (target) target.focus();
}

// The messages before the first one shown (history "before" its msgid; the
// latest, when none is shown), of a room we are in or a private conversation:
// as many as the server's page (--history-count, what entering a room
// replays); the reply says whether the conversation holds any before them.
export function loadOlder() {
  const convo = currentConvo();
  if (!convo || !convo.joined || convo.olderDone || convo.loading) return;
  convo.loading = true;
  const asked = document.activeElement === $("older");  // with the button: what it did is said
  const first = convo.log.querySelector("li.msg[data-msgid]");
  const fields = { [convo.kind === "room" ? "room" : "with"]: convo.name };
  if (first) fields.before = first.dataset.msgid;
  request("history", fields).then((reply) => {
    convo.loading = false;
    const added = prependOlder(convo, reply.messages);
    if (!reply.stored || !reply.earlier || added === 0) convo.olderDone = true;
    renderHeader();
    if (!asked || currentConvo() !== convo) return;
    if (added) speak(added + (added === 1 ? " earlier message" : " earlier messages") + ".");
    if (convo.olderDone) {  // the button is gone: the focus goes to the log
      speak(convo.kind === "room" ? "Start of the room." : "Start of the conversation.");
      $("log").focus();
    }
  }, () => { convo.loading = false; convo.olderDone = true; renderHeader(); });
}
