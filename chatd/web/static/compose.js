// chatd web client: the message box.  Each conversation keeps its own draft
// (a private draft never follows you into a room), and a message being sent
// leaves the box at once, shown in the log as being sent: what is typed
// meanwhile stays, and a second Enter has nothing to send again.
import { $, state, el, timeOf, isolated } from "./state.js";

// What CONVO's box holds: the box itself when CONVO is shown, else its kept draft.
function draftOf(convo) {
  return convo.key === state.current ? $("text").value : convo.draft || "";
}

function setDraft(convo, text) {
  if (convo.key === state.current) $("text").value = text;
  else convo.draft = text;
}

// The page goes from PREVIOUS (none: nothing was shown) to NEXT: the box
// keeps PREVIOUS's draft and shows NEXT's.  What was typed with no
// conversation shown goes to NEXT.
export function switchDraft(previous, next) {
  if (!previous || previous === next) return;
  previous.draft = $("text").value;
  $("text").value = next.draft || "";
}

// The conversation shown is gone: so is its draft.
export function dropDraft() {
  $("text").value = "";
}

// TYPED, all the box held, is sent to CONVO: the box is emptied and the log
// shows the message as being sent until the server answers; returns that line.
export function sending(convo, typed) {
  $("text").value = "";
  const line = el("li", "pending");
  line.setAttribute("aria-busy", "true");
  line.appendChild(timeOf());
  line.appendChild(isolated(el("span", "from", state.nick || "")));
  const text = isolated(el("span", "text", typed));
  text.appendChild(el("span", "state", " (sending\u2026)"));
  line.appendChild(text);
  convo.log.appendChild(line);
  if (convo.key === state.current) $("log").scrollTop = $("log").scrollHeight;
  return line;
}

// TYPED was not sent (refused, or its answer lost): it goes back to CONVO's
// box, before what was typed there since.
export function putBack(convo, typed) {
  const now = draftOf(convo);
  if (now !== typed) setDraft(convo, now ? typed + "\n" + now : typed);
}

// TYPED got through after all: out of CONVO's box, if it is still there.
export function withdraw(convo, typed) {
  const now = draftOf(convo);
  if (now === typed) setDraft(convo, "");
  else if (typed && now.startsWith(typed + "\n")) setDraft(convo, now.slice(typed.length + 1));
}

// The box's hints, longest first, and the box's width they were fitted to.
let hints = [];
let fittedWidth = -1;

// Whether TEXT shows whole in BOX: as it would if it were typed there (a
// copy of the box, out of sight, as wide and tall).
function fits(box, text) {
  const probe = box.cloneNode(false);
  probe.removeAttribute("id");
  probe.setAttribute("aria-hidden", "true");
  probe.tabIndex = -1;
  probe.value = text;
  probe.style.cssText = "position: absolute; visibility: hidden; left: 0; top: 0;"
    + " width: " + box.offsetWidth + "px; height: " + box.offsetHeight + "px";
  box.after(probe);
  const whole = probe.scrollHeight <= probe.clientHeight && probe.scrollWidth <= probe.clientWidth;
  probe.remove();
  return whole;
}

function fitHint() {
  const box = $("text");
  fittedWidth = box.offsetWidth;
  box.placeholder = hints.find((hint) => fits(box, hint)) ?? hints[hints.length - 1] ?? "";
}

// The box's hint: the longest of CHOICES (longest first) that shows whole in
// the box, fitted again when the box's width changes (a phone's box shows a
// short one, never a hint cut off).
export function showHint(choices) {
  if (!hints.length && window.ResizeObserver) {
    new ResizeObserver(() => { if ($("text").offsetWidth !== fittedWidth) fitHint(); }).observe($("text"));
  }
  hints = choices;
  fitHint();
}
