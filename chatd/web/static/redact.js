// chatd web client: deleting messages (the "redact" request, docs/WEB.md)
// and showing deletions (the "redacted" event).  Your own messages, and in
// a room you run every message, have a Delete button; it asks once more
// ("Delete for everyone?") before it sends.  A deleted message stays as a
// line saying "message deleted" on every open page.
import { state, el, clock, complain } from "./state.js";
import { speak } from "./speak.js";
import { request } from "./net.js";
import { nameKey } from "./fold.js";
import { roomKey, personKey } from "./convos.js";

const CONFIRM_MS = 5000;

// Whether the user may ask to delete message M of CONVO (the server decides).
function deletable(convo, m, mine) {
  if (!m.msgid) return false;
  return mine || (convo.kind === "room" && Boolean(convo.operator));
}

// Which message LINE (M) is, for its Delete button's name: "bob's message
// 'hello there' at 12:09" (a long text cut short).
function described(line, m) {
  const text = line.querySelector(".text").textContent.replace(/\s+/g, " ").trim();
  const cut = text.length > 40 ? text.slice(0, 40) + "\u2026" : text;
  return m.from + "'s message '" + cut + "' at " + clock(m.time);
}

// Give LINE (message M of CONVO; MINE: the user's own) its Delete button:
// out of the Tab order (the log is one stop; Delete on a message presses it, keys.js).
export function deleteControl(convo, line, m, mine) {
  if (!deletable(convo, m, mine) || line.querySelector("button.delete")) return;
  const button = el("button", "delete", "Delete");
  button.type = "button";
  button.tabIndex = -1;
  const which = described(line, m);
  const label = "Delete " + which;
  button.setAttribute("aria-label", label);
  line.setAttribute("aria-keyshortcuts", "Delete");
  let armed = null;
  button.addEventListener("click", () => {
    if (!armed) {
      button.textContent = "Delete for everyone?";
      button.setAttribute("aria-label", "Confirm: " + label + " for everyone");
      if (line.contains(document.activeElement)) speak("Press Delete again to delete " + which + " for everyone.");
      armed = setTimeout(() => {
        armed = null;
        button.textContent = "Delete";
        button.setAttribute("aria-label", label);
      }, CONFIRM_MS);
      return;
    }
    clearTimeout(armed);
    armed = null;
    button.disabled = true;
    const fields = convo.kind === "room" ? { room: convo.name } : { with: convo.name };
    fields.msgid = m.msgid;
    request("redact", fields).then((reply) => markDeleted(convo, reply), (error) => {
      button.disabled = false;
      button.textContent = "Delete";
      complain(error);
    });
  });
  line.appendChild(button);
}

// Whether the user runs CONVO (a room), as the server says (OPERATOR;
// undefined: it did not say): the buttons follow when it changed.
export function runs(convo, operator) {
  if (operator === undefined || Boolean(operator) === Boolean(convo.operator)) return;
  convo.operator = Boolean(operator);
  controlsForOperator(convo);
}

// Whether the user runs CONVO (a room) changed, or was just told: its
// messages shown so far get the button, or, no longer its operator, the
// user keeps it on their own messages only (in a deleted room, on none).
export function controlsForOperator(convo) {
  for (const line of convo.log.querySelectorAll("li.msg[data-msgid]")) {
    if (line.classList.contains("deleted")) continue;
    if (!convo.operator || convo.deleted) {
      const button = line.querySelector("button.delete");
      if (button && (convo.deleted || line.dataset.from !== state.nick)) {
        line.removeAttribute("aria-keyshortcuts");
        button.remove();
      }
      continue;
    }
    const m = { msgid: line.dataset.msgid, from: line.dataset.from, time: Number(line.dataset.time) };
    deleteControl(convo, line, m, false);
  }
}

// The "redacted" event M (from another page, or someone else): its
// message, where the page shows it, says it was deleted.
export function redacted(m) {
  let key;
  if (m.room !== undefined) key = roomKey(m.room);
  else {
    const mine = state.nick && nameKey(m.from) === nameKey(state.nick);
    key = personKey(mine ? m.to : m.from);
  }
  const convo = state.convos.get(key);
  if (convo) markDeleted(convo, m);
}

// The message M.msgid of CONVO (deleted by M.by, sent by M.from) shows as deleted.
function markDeleted(convo, m) {
  for (const line of convo.log.querySelectorAll("li.msg[data-msgid]")) {
    if (line.dataset.msgid !== m.msgid) continue;
    line.classList.add("deleted");
    line.classList.remove("action");
    const text = line.querySelector(".text");
    const who = m.by === m.from ? "" : " by " + m.by;
    text.textContent = "message deleted" + who + (m.reason ? " (" + m.reason + ")" : "");
    const button = line.querySelector("button.delete");
    const focused = button && button === document.activeElement;
    if (button) button.remove();
    line.removeAttribute("aria-keyshortcuts");
    if (focused || document.activeElement === line) {
      line.focus();  // the focus stays on the line, not lost to the page
      speak("Message deleted.");
    }
  }
}
