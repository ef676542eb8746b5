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

// What the box holds first: the messages put back in it (not sent, or their
// answer lost), in the order they were typed, each on its own line(s), then
// what was typed since.  CONVO.back lists them: [{typed, order, cid}].  Once
// the person edits them, the box is theirs: nothing of it is a put-back.
function boxParts(convo) {
  const now = draftOf(convo);
  const back = convo.back || [];
  const head = back.map((item) => item.typed).join("\n");
  if (back.length && (now === head || now.startsWith(head + "\n"))) {
    return { back, rest: now.slice(head.length + 1) };
  }
  return { back: [], rest: now };
}

// The box holds BACK, then REST on a line of its own (typing on after a
// put-back starts a new line, never glued to it).
function compose(convo, back, rest) {
  convo.back = back;
  const head = back.map((item) => item.typed).join("\n");
  setDraft(convo, back.length ? head + "\n" + rest : rest);
}

// A message's place in the order typed (ORDER for putBack).
let typedCount = 0;
export function nextOrder() {
  typedCount += 1;
  return typedCount;
}

// TYPED was not sent (refused, or its answer lost): it goes back to CONVO's
// box, before what was typed there since.  A message (with its CID and its
// ORDER typed) is kept apart, among those put back in the order typed, and
// Enter sends each as its own message with its cid (takeBack); anything
// else (a command refused) goes before what the box holds.
export function putBack(convo, typed, order = 0, cid = null) {
  const { back, rest } = boxParts(convo);
  if (!cid) {
    compose(convo, back, rest ? typed + "\n" + rest : typed);
    return;
  }
  if (back.some((item) => item.cid === cid)) return;  // in the box already
  const later = back.findIndex((item) => item.order > order);
  const at = later < 0 ? back.length : later;
  compose(convo, [...back.slice(0, at), { typed, order, cid }, ...back.slice(at)], rest);
}

// TYPED got through after all: out of CONVO's box, if it is still there.
export function withdraw(convo, typed) {
  const { back, rest } = boxParts(convo);
  const at = back.findIndex((item) => item.typed === typed);
  if (at >= 0) compose(convo, back.filter((_, i) => i !== at), rest);
}

// Enter: the messages put back in the box of CONVO (the one shown), in the
// order typed, leave it, each to be sent as its own; the box keeps the rest.
export function takeBack(convo) {
  const { back, rest } = boxParts(convo);
  convo.back = [];
  if (back.length) setDraft(convo, rest);
  return back;
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
