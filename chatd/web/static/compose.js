// chatd web client: the message box.  Each conversation keeps its own draft
// (a private draft never follows you into a room), and a message being sent
// leaves the box at once, shown in the log as being sent: what is typed
// meanwhile stays, and a second Enter has nothing to send again.
import { $, state, el, clock, isolated } from "./state.js";

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
  line.appendChild(el("time", "when", clock()));
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
